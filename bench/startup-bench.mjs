/**
 * Figure 3: ready time and idle memory. Each start spawns the server, polls `GET /health`
 * every 10 ms until it answers 200, lets it settle, reads its VmRSS, and stops it. SutazAI
 * as `npm start` runs it (the bundle), the bare Fastify baseline and, for context, SutazAI
 * unbundled (`dist/main.js`, as the tests run it) take turns; one unmeasured start of each
 * comes first so all read their code from a warm page cache. Every SutazAI start gets a fresh
 * DATA_DIR, so ready time includes creating the SQLite database, as on a first run.
 */
import { residentMegabytes, spawnFastifyBaseline, spawnSutazai, unbundledCliEntry, waitForOk } from './processes.mjs';
import { median } from './statistics.mjs';

const spawners = {
  sutazai: () => spawnSutazai(),
  fastify: () => spawnFastifyBaseline(),
  unbundled: () => spawnSutazai({}, { entry: unbundledCliEntry }),
};

export async function runStartupBench({ report, log, starts = 5, settleMs = 1_000 }) {
  const results = { sutazai: [], fastify: [], unbundled: [] };
  const once = async (name, measure) => {
    const spawned = await spawners[name]();
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
  const names = Object.keys(spawners);
  for (const name of names) await once(name, false);
  for (let i = 0; i < starts; i++) {
    // Each start in a different position of the round, so a load spike hits all of them alike.
    for (let k = 0; k < names.length; k++) await once(names[(i + k) % names.length], true);
  }
  const readyMs = (name) => median(results[name].map((result) => result.readyMs));
  const rssMb = (name) => median(results[name].map((result) => result.rssMb));
  const all = (name, key, scale) => results[name].map((result) => Math.round(result[key] * scale) / scale);
  report.figure({
    bench: 'startup', figure: 'ready_ms_p50', value: readyMs('sutazai'), unit: 'ms', baseline: readyMs('fastify'), target: ['<', 1500],
    details: { starts, sutazai_ms: all('sutazai', 'readyMs', 1), fastify_ms: all('fastify', 'readyMs', 1) },
  });
  report.figure({
    bench: 'startup', figure: 'idle_rss_mb', value: rssMb('sutazai'), unit: 'MB', baseline: rssMb('fastify'), target: ['<', 150],
    details: { starts, settle_ms: settleMs, sutazai_mb: all('sutazai', 'rssMb', 10) },
  });
  report.figure({
    bench: 'startup', figure: 'ready_ms_p50_unbundled', value: readyMs('unbundled'), unit: 'ms', baseline: readyMs('sutazai'), target: undefined,
    details: { starts, entry: 'packages/cli/dist/main.js', unbundled_ms: all('unbundled', 'readyMs', 1), idle_rss_mb: rssMb('unbundled') },
  });
}
