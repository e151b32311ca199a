/**
 * Two SutazAI replicas on one PostgreSQL schema and one Redis, 100 SSE streams at a time
 * against the token server, next to the same 100 streams read directly from the token server
 * in the same run. Phases take turns, 100 streams each:
 *
 * - `direct`: client → token server (the baseline);
 * - `single` (context): one more SutazAI on the same PostgreSQL without Redis (the in-process
 *   stream hub), to tell what Redis costs from what the rest of a turn costs;
 * - `same-replica`: `POST /api/v1/chat/stream` on replica A or B (alternating), read there,
 *   as behind a load balancer; every event also goes to Redis for the other replica;
 * - `cross-replica`: the stream is started on one replica, its connection dropped after
 *   `message-start`, and resumed with Last-Event-ID on the other, which reads it from Redis
 *   (replay, then XREAD) while the first keeps generating.
 *
 * Every stream's text is checked against the tokens the server sent. A token's delay is when
 * it arrived minus when it was due (request sent + (i + 1) × interval); "added" is the
 * percentile through SutazAI minus the same percentile direct. Event-loop delay comes from
 * each replica's /metrics (since the previous scrape); RSS from /proc.
 *
 * Needs PostgreSQL (SUTAZAI_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test;
 * a fresh schema, dropped afterwards) and Redis (SUTAZAI_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { checkStream } from './chat-stream-bench.mjs';
import { createAgent, streamDirect, streamThrough } from './stream-clients.mjs';
import { benchTokens } from './token-server.mjs';
import { cpuMilliseconds, residentMegabytes, spawnSutazai, spawnTokenServer, waitForOk } from './processes.mjs';
import { percentile, round } from './statistics.mjs';

const STREAMS = 100;
const TOKENS = 100;
const INTERVAL_MS = 20;
/** Starts of one phase's streams are spread over this long, so they do not all hit the same millisecond. */
const SPREAD_MS = 200;

export async function runReplicasBench({ report, log, rounds = 2 }) {
  const postgresURL = process.env.SUTAZAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisURL = process.env.SUTAZAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const schema = `bench_replicas_${randomBytes(5).toString('hex')}`;
  const running = [];
  try {
    const tokenServer = await spawnTokenServer({ tokens: TOKENS, intervalMs: INTERVAL_MS });
    running.push(tokenServer.process);
    const settings = { OPENAI_BASE_URL: tokenServer.baseURL, DATABASE_URL: `${postgresURL}?schema=${schema}`, REDIS_URL: redisURL };
    // One after the other: the first creates the schema.
    const replicas = [];
    for (const name of ['a', 'b']) {
      const replica = await spawnSutazai(settings);
      running.push(replica.process);
      await waitForOk(`${replica.url}/health`, replica.process, { timeoutMs: 60_000 });
      replicas.push({ name, ...replica, pid: replica.process.pid, loop: { p99: [], max: [] } });
    }
    const single = await spawnSutazai({ OPENAI_BASE_URL: tokenServer.baseURL, DATABASE_URL: settings.DATABASE_URL });
    running.push(single.process);
    await waitForOk(`${single.url}/health`, single.process, { timeoutMs: 60_000 });
    log(`replicas: ${replicas.map((r) => r.url).join(', ')} (and ${single.url} without Redis) on PostgreSQL schema ${schema} and ${redisURL}; token server ${tokenServer.url} (${TOKENS} tokens every ${INTERVAL_MS} ms)`);

    const expected = benchTokens(TOKENS);
    const agent = createAgent();
    let prompt = 0;
    const clients = {
      direct: () => streamDirect(agent, tokenServer.baseURL, `bench prompt ${prompt++}`),
      single: () => streamThrough(agent, single.url, `bench prompt ${prompt++}`),
      'same-replica': (i) => streamThrough(agent, replicas[i % 2].url, `bench prompt ${prompt++}`),
      'cross-replica': (i) => streamThrough(agent, replicas[i % 2].url, `bench prompt ${prompt++}`, replicas[(i + 1) % 2].url),
    };
    const phase = async (mode, count) => {
      const results = await Promise.all(Array.from({ length: count }, async (_, i) => {
        await sleep((i * SPREAD_MS) / count);
        return checkStream(await clients[mode](i), expected);
      }));
      return results;
    };

    log('replicas: warm-up');
    for (const mode of Object.keys(clients)) await phase(mode, 10);
    const rssBefore = replicas.map((replica) => residentMegabytes(replica.pid));

    const results = { direct: [], single: [], 'same-replica': [], 'cross-replica': [] };
    const cpu = { single: 0, 'same-replica': 0, 'cross-replica': 0 };
    const pidsOf = (mode) => (mode === 'single' ? [single.process.pid] : replicas.map((replica) => replica.pid));
    const cpuOf = (mode) => pidsOf(mode).reduce((sum, pid) => sum + (cpuMilliseconds(pid) ?? Number.NaN), 0);
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(clients);
      for (let k = 0; k < round % order.length; k++) order.push(order.shift());
      for (const mode of order) {
        if (mode !== 'direct') await Promise.all(replicas.map((replica) => scrapeLoopDelay(replica.url)));
        const cpuBefore = mode === 'direct' ? 0 : cpuOf(mode);
        const phaseResults = await phase(mode, STREAMS);
        if (mode !== 'direct') cpu[mode] += cpuOf(mode) - cpuBefore;
        if (mode === 'same-replica' || mode === 'cross-replica') {
          for (const replica of replicas) {
            const delay = await scrapeLoopDelay(replica.url);
            replica.loop.p99.push(delay.p99);
            replica.loop.max.push(delay.max);
          }
        }
        results[mode].push(...phaseResults);
        log(`  round ${round + 1}, ${mode}: ${phaseResults.filter((r) => !r.error && !r.mismatch).length} of ${STREAMS} streams complete`);
      }
    }
    const rssAfter = replicas.map((replica) => residentMegabytes(replica.pid));
    agent.destroy();

    const delays = (list) => list.filter((r) => !r.error && !r.mismatch).flatMap((r) => r.arrivals.map((at, i) => at - (r.startedAt + (i + 1) * INTERVAL_MS)));
    const direct = delays(results.direct);
    for (const mode of ['single', 'same-replica', 'cross-replica']) {
      const through = delays(results[mode]);
      for (const [q, name] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']]) {
        const value = percentile(through, q);
        const baseline = percentile(direct, q);
        report.figure({
          bench: 'replicas', figure: `token_delay_added_ms_${name}`, concurrency: STREAMS, value: value - baseline, unit: 'ms', baseline,
          details: { mode, through_ms: round(value, 3), direct_ms: round(baseline, 3), tokens: through.length, baseline_tokens: direct.length },
        });
      }
      const ttft = (list) => percentile(list.filter((r) => !r.error && !r.mismatch).map((r) => r.ttftMs), 0.5);
      report.figure({
        bench: 'replicas', figure: 'ttft_added_ms_p50', concurrency: STREAMS, value: ttft(results[mode]) - ttft(results.direct), unit: 'ms', baseline: ttft(results.direct),
        details: { mode, through_ms: round(ttft(results[mode]), 3), direct_ms: round(ttft(results.direct), 3) },
      });
      report.figure({
        bench: 'replicas', figure: 'server_cpu_ms_per_stream', concurrency: STREAMS, value: cpu[mode] / results[mode].length, unit: 'ms',
        details: { mode, processes: pidsOf(mode).length, cpu_us_per_token: round((cpu[mode] * 1000) / (results[mode].length * TOKENS), 3) },
      });
      const loss = summarizeLoss(results[mode]);
      report.figure({
        bench: 'replicas', figure: 'tokens_lost', concurrency: STREAMS, value: loss.lost, unit: 'tokens', baseline: summarizeLoss(results.direct).lost, target: ['=', 0],
        details: { mode, streams: loss.streams, tokens_per_stream: TOKENS, mismatched_streams: loss.mismatched, failed_streams: loss.failed, first_error: loss.firstError },
      });
    }
    replicas.forEach((replica, index) => {
      report.figure({
        bench: 'replicas', figure: 'event_loop_delay_ms_p99', concurrency: STREAMS, value: Math.max(...replica.loop.p99), unit: 'ms',
        details: { replica: replica.name, per_phase: replica.loop.p99.map((value) => round(value, 3)), max_ms: round(Math.max(...replica.loop.max), 3) },
      });
      report.figure({
        bench: 'replicas', figure: 'rss_mb', concurrency: STREAMS, value: rssAfter[index], unit: 'MB', baseline: rssBefore[index],
        details: { replica: replica.name, before_mb: round(rssBefore[index], 3), after_mb: round(rssAfter[index], 3), streams_served: STREAMS * rounds * 2 },
      });
    });
  } finally {
    await Promise.all(running.map((child) => child.stop()));
    const client = new pg.Client({ connectionString: postgresURL });
    await client.connect().then(() => client.query(`drop schema if exists "${schema}" cascade`)).catch((error) => log(`could not drop schema ${schema}: ${error.message}`)).finally(() => client.end().catch(() => undefined));
  }
}

function summarizeLoss(results) {
  return {
    // A stream with extra or altered text, or that failed after all its text, counts as one lost token.
    lost: results.reduce((sum, result) => sum + (result.lost > 0 ? result.lost : result.mismatch || result.error ? 1 : 0), 0),
    mismatched: results.filter((result) => result.mismatch).length,
    failed: results.filter((result) => result.error).length,
    firstError: results.find((result) => result.error)?.error ?? null,
    streams: results.length,
  };
}

/** Event-loop delay since the previous scrape, from a replica's /metrics (single-user mode: open). */
async function scrapeLoopDelay(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (quantile) => Number(new RegExp(`^sutazai_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return { p99: read('0.99'), max: read('1') };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
