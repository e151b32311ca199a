/**
 * Figure 3: ready time and idle memory. Each start spawns the server, polls `GET /health`
 * every 10 ms until it answers 200, lets it settle, reads its VmRSS, and stops it. SutazAI
 * and the bare Fastify baseline alternate; one unmeasured start of each comes first so
 * both read their code from a warm page cache. Every SutazAI start gets a fresh DATA_DIR,
 * so ready time includes creating the SQLite database, as on a first run.
 */
import { residentMegabytes, spawnFastifyBaseline, spawnSutazai, waitForOk } from './processes.mjs';
import { median } from './statistics.mjs';

export async function runStartupBench({ report, log, starts = 5, settleMs = 1_000 }) {
  const results = { sutazai: [], fastify: [] };
  const once = async (name, measure) => {
    const spawned = name === 'sutazai' ? await spawnSutazai() : await spawnFastifyBaseline();
    const started = spawned.process.startedAt;
    try {
      const readyAt = await waitForOk(`${spawned.url}/health`, spawned.process, { intervalMs: 10 });
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      const rssMb = residentMegabytes(spawned.process.pid);
      if (measure) results[name].push({ readyMs: readyAt - started, rssMb });
      log(`  ${name}${measure ? '' : ' (warm-up)'}: ready in ${(readyAt - started).toFixed(0)} ms, RSS ${rssMb.toFixed(1)} MB`);
    } finally {
      await spawned.process.stop();
    }
  };

  log(`startup: ${starts} starts each, settle ${settleMs} ms`);
  await once('fastify', false);
  await once('sutazai', false);
  for (let i = 0; i < starts; i++) {
    for (const name of i % 2 === 0 ? ['sutazai', 'fastify'] : ['fastify', 'sutazai']) await once(name, true);
  }
  const readyMs = (name) => median(results[name].map((result) => result.readyMs));
  const rssMb = (name) => median(results[name].map((result) => result.rssMb));
  report.figure({
    bench: 'startup', figure: 'ready_ms_p50', value: readyMs('sutazai'), unit: 'ms', baseline: readyMs('fastify'), target: ['<', 1500],
    details: { starts, sutazai_ms: results.sutazai.map((result) => Math.round(result.readyMs)), fastify_ms: results.fastify.map((result) => Math.round(result.readyMs)) },
  });
  report.figure({
    bench: 'startup', figure: 'idle_rss_mb', value: rssMb('sutazai'), unit: 'MB', baseline: rssMb('fastify'), target: ['<', 150],
    details: { starts, settle_ms: settleMs, sutazai_mb: results.sutazai.map((result) => Math.round(result.rssMb * 10) / 10) },
  });
}
