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
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { checkStream } from './chat-stream-bench.mjs';
import { BENCH_MODEL, benchTokens } from './token-server.mjs';
import { cpuMilliseconds, residentMegabytes, spawnSutazai, spawnTokenServer, waitForOk } from './processes.mjs';
import { percentile } from './statistics.mjs';

const STREAMS = 100;
const TOKENS = 100;
const INTERVAL_MS = 20;
/** Starts of one phase's streams are spread over this long, so they do not all hit the same millisecond. */
const SPREAD_MS = 200;
const STREAM_DEADLINE_MS = 30_000;

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
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    let prompt = 0;
    const clients = {
      direct: () => streamDirect(agent, tokenServer.baseURL, `bench prompt ${prompt++}`),
      single: () => streamOn(agent, single.url, undefined, `bench prompt ${prompt++}`),
      'same-replica': (i) => streamOn(agent, replicas[i % 2].url, undefined, `bench prompt ${prompt++}`),
      'cross-replica': (i) => streamOn(agent, replicas[i % 2].url, replicas[(i + 1) % 2].url, `bench prompt ${prompt++}`),
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
          details: { mode, through_ms: round3(value), direct_ms: round3(baseline), tokens: through.length, baseline_tokens: direct.length },
        });
      }
      const ttft = (list) => percentile(list.filter((r) => !r.error && !r.mismatch).map((r) => r.ttftMs), 0.5);
      report.figure({
        bench: 'replicas', figure: 'ttft_added_ms_p50', concurrency: STREAMS, value: ttft(results[mode]) - ttft(results.direct), unit: 'ms', baseline: ttft(results.direct),
        details: { mode, through_ms: round3(ttft(results[mode])), direct_ms: round3(ttft(results.direct)) },
      });
      report.figure({
        bench: 'replicas', figure: 'server_cpu_ms_per_stream', concurrency: STREAMS, value: cpu[mode] / results[mode].length, unit: 'ms',
        details: { mode, processes: pidsOf(mode).length, cpu_us_per_token: round3((cpu[mode] * 1000) / (results[mode].length * TOKENS)) },
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
        details: { replica: replica.name, per_phase: replica.loop.p99.map(round3), max_ms: round3(Math.max(...replica.loop.max)) },
      });
      report.figure({
        bench: 'replicas', figure: 'rss_mb', concurrency: STREAMS, value: rssAfter[index], unit: 'MB', baseline: rssBefore[index],
        details: { replica: replica.name, before_mb: round3(rssBefore[index]), after_mb: round3(rssAfter[index]), streams_served: STREAMS * rounds * 2 },
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

function streamDirect(agent, baseURL, prompt) {
  const body = { model: BENCH_MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] };
  const result = newResult();
  let finishReason;
  return readSse(agent, 'POST', `${baseURL}/chat/completions`, body, {}, result, (event, now) => {
    if (event.data === '[DONE]') {
      result.totalMs = now - result.startedAt;
      if (finishReason !== 'stop') result.error = `finish_reason ${finishReason}`;
      return 'done';
    }
    const chunk = JSON.parse(event.data);
    if (chunk.usage) result.completionTokens = chunk.usage.completion_tokens;
    if (chunk.choices?.[0]?.finish_reason) finishReason = chunk.choices[0].finish_reason;
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) delta(result, text, now);
    return 'more';
  });
}

/** A stream started on `url`; with `resumeURL`, dropped after message-start and resumed there. */
async function streamOn(agent, url, resumeURL, prompt) {
  const result = newResult();
  let resumeFrom;
  const onEvent = (event, now) => {
    const data = JSON.parse(event.data);
    if (event.event === 'message-start' && resumeURL) {
      resumeFrom = { id: event.id, messageId: data.message_id };
      return 'drop';
    }
    if (event.event === 'text-delta' && data.text) delta(result, data.text, now);
    if (event.event === 'message-end') {
      result.totalMs = now - result.startedAt;
      result.completionTokens = data.usage?.completion_tokens;
      if (data.status !== 'complete') result.error = `message-end status ${data.status} (${data.finish_reason})`;
      return 'done';
    }
    if (event.event === 'error') {
      result.error = `error event ${data.code}: ${data.message}`;
      return 'done';
    }
    return 'more';
  };
  await readSse(agent, 'POST', `${url}/api/v1/chat/stream`, { message: prompt, model: BENCH_MODEL }, {}, result, onEvent);
  if (!resumeURL || result.error) return result;
  if (!resumeFrom) {
    result.error = 'no message-start to resume from';
    return result;
  }
  return readSse(agent, 'GET', `${resumeURL}/api/v1/chat/stream/${resumeFrom.messageId}`, undefined, { 'last-event-id': resumeFrom.id }, result, onEvent);
}

function newResult() {
  return { startedAt: performance.now(), ttftMs: undefined, totalMs: undefined, deltas: [], arrivals: [], completionTokens: undefined, error: undefined };
}

function delta(result, text, now) {
  result.ttftMs ??= now - result.startedAt;
  result.deltas.push(text);
  result.arrivals.push(now);
}

/**
 * Sends the request and feeds each server-sent event to `onEvent`, which answers `more`,
 * `done` (the final event) or `drop` (close the connection now, on purpose). Resolves with
 * `result` (never rejects); a stream that ends without `done` or `drop` is an error.
 */
function readSse(agent, method, url, body, headers, result, onEvent) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error && !result.error) result.error = error;
      resolve(result);
    };
    // A stream that hangs is a failure to report, not a benchmark that never ends.
    const deadline = setTimeout(() => {
      request.destroy();
      finish(`no final event within ${STREAM_DEADLINE_MS} ms (${method} ${url}, ${result.deltas.length} tokens so far)`);
    }, STREAM_DEADLINE_MS);
    const request = http.request(url, {
      method, agent,
      headers: { accept: 'text/event-stream', ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part) => (text += part));
        response.once('end', () => finish(`HTTP ${response.statusCode} ${method} ${url}: ${text.slice(0, 300)}`));
        return;
      }
      response.setEncoding('utf8');
      let pending = '';
      let fields = { event: '', id: undefined, data: [] };
      let state = 'more';
      response.on('data', (part) => {
        const now = performance.now();
        pending += part;
        let newline;
        while (state === 'more' && (newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line === '') {
            if (fields.data.length > 0) {
              try {
                state = onEvent({ event: fields.event || 'message', id: fields.id, data: fields.data.join('\n') }, now);
              } catch (error) {
                result.error = `unreadable event: ${error.message}`;
                state = 'done';
              }
            }
            fields = { event: '', id: undefined, data: [] };
          } else if (line.startsWith('data:')) fields.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          else if (line.startsWith('event:')) fields.event = line.slice(line.startsWith('event: ') ? 7 : 6);
          else if (line.startsWith('id:')) fields.id = line.slice(line.startsWith('id: ') ? 4 : 3);
        }
        if (state === 'drop') {
          request.destroy();
          finish();
        } else if (state === 'done') finish();
      });
      response.once('end', () => finish(state === 'more' ? 'the stream ended without its final event' : undefined));
      response.once('error', (error) => finish(state === 'more' ? error.message : undefined));
    });
    request.once('error', (error) => finish(settled ? undefined : error.message));
    request.end(payload);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round3(value) {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}
