/**
 * Figure 2: `GET /health` throughput of SutazAI against bare Fastify, same load generator
 * (a separate process), same connections and duration. Rounds are pairs, one run of each
 * server back to back (the order flipped every pair); the figure is the median of the pairs'
 * ratios, so a change in the machine's load between pairs (other work on a shared machine)
 * cancels out instead of landing on one server.
 */
import { loadGeneratorPath, runJsonProcess } from './processes.mjs';
import { median } from './statistics.mjs';

export async function runHealthRpsBench({ report, log, sutazaiURL, fastifyURL, connections = 32, durationMs = 2_000, pairs = 5, warmUpMs = 1_000 }) {
  const load = (url, duration) => runJsonProcess('load-generator', [loadGeneratorPath, `${url}/health`, String(connections), String(duration)]);
  log(`health-rps: ${pairs} pairs of ${durationMs} ms runs, ${connections} connections, after ${warmUpMs} ms warm-up each`);
  await load(fastifyURL, warmUpMs);
  await load(sutazaiURL, warmUpMs);

  const results = { sutazai: [], fastify: [] };
  const ratios = [];
  for (let pair = 0; pair < pairs; pair++) {
    const measured = {};
    for (const name of pair % 2 === 0 ? ['fastify', 'sutazai'] : ['sutazai', 'fastify']) {
      measured[name] = await load(name === 'sutazai' ? sutazaiURL : fastifyURL, durationMs);
      results[name].push(measured[name]);
    }
    ratios.push(measured.sutazai.rps / measured.fastify.rps);
    log(`  pair ${pair + 1}: SutazAI ${Math.round(measured.sutazai.rps)} req/s (${measured.sutazai.errors} errors), Fastify ${Math.round(measured.fastify.rps)} req/s, ratio ${ratios.at(-1).toFixed(3)}`);
  }
  const rps = (name) => median(results[name].map((result) => result.rps));
  report.figure({
    bench: 'health', figure: 'rps_ratio', value: median(ratios), unit: 'ratio', baseline: 1, target: ['>=', 0.7],
    details: {
      sutazai_rps: Math.round(rps('sutazai')), fastify_rps: Math.round(rps('fastify')),
      pair_ratios: ratios.map((ratio) => Math.round(ratio * 1000) / 1000),
      sutazai_latency_p50_ms: median(results.sutazai.map((result) => result.latencyMs.p50)),
      fastify_latency_p50_ms: median(results.fastify.map((result) => result.latencyMs.p50)),
      errors: results.sutazai.reduce((sum, result) => sum + result.errors, 0), connections, duration_ms: durationMs,
    },
  });
}
