/**
 * Figure 1: what SutazAI adds to a streamed chat. The same token server is streamed from
 * directly (OpenAI protocol) and through SutazAI (`POST /api/v1/chat/stream`), alternating,
 * in the same run; every stream's text is checked against the tokens the server sent.
 *
 * - concurrency 1: pairs of sequential streams, the order flipped each pair;
 * - concurrency 64, steady: 64 closed-loop workers whose starts are spread over one stream
 *   duration, so 64 streams are in flight and arrivals are spread as with real users; only
 *   streams that ran entirely while all 64 workers were busy are timed;
 * - concurrency 64, burst (context only): 64 streams started at the same instant.
 */
import { benchTokens } from './token-server.mjs';
import { createAgent, streamDirect, streamThrough } from './stream-clients.mjs';
import { cpuMilliseconds } from './processes.mjs';
import { percentile } from './statistics.mjs';

const CONCURRENCY = 64;

export async function runChatStreamBench({ report, log, tokenServer, sutazaiURL, sutazaiPid, tokens, intervalMs, sequentialPairs = 30, steadyPhases = 2, streamsPerWorker = 5, burstRounds = 2 }) {
  const expected = benchTokens(tokens);
  const agent = createAgent();
  let prompt = 0;
  const direct = () => streamDirect(agent, tokenServer.baseURL, `bench prompt ${prompt++}`);
  const through = () => streamThrough(agent, sutazaiURL, `bench prompt ${prompt++}`);
  const check = (result) => checkStream(result, expected);

  log(`chat-stream: warm-up (${tokens} tokens every ${intervalMs} ms)`);
  for (let i = 0; i < 3; i++) {
    check(await direct());
    check(await through());
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, () => direct().then(check)));
  await Promise.all(Array.from({ length: CONCURRENCY }, () => through().then(check)));

  log(`chat-stream: concurrency 1, ${sequentialPairs} pairs`);
  const sequential = { direct: [], through: [] };
  for (let i = 0; i < sequentialPairs; i++) {
    const order = i % 2 === 0 ? ['direct', 'through'] : ['through', 'direct'];
    for (const mode of order) sequential[mode].push(check(await (mode === 'direct' ? direct() : through())));
  }
  reportComparison(report, { concurrency: 1, arrival: 'sequential', ...sequential, ratioTarget: undefined, ttftTarget: ['<', 1] });
  reportLoss(report, 1, sequential, tokens);

  log(`chat-stream: concurrency ${CONCURRENCY} steady, ${steadyPhases} phases per mode of ${streamsPerWorker} streams per worker`);
  const steady = { direct: [], through: [], directAll: [], throughAll: [] };
  // CPU of the process that serves each mode: the token server for direct, SutazAI for through.
  const cpu = { direct: { ms: 0, wallMs: 0 }, through: { ms: 0, wallMs: 0 } };
  const rampMs = tokens * intervalMs;
  for (let phase = 0; phase < steadyPhases; phase++) {
    for (const mode of phase % 2 === 0 ? ['direct', 'through'] : ['through', 'direct']) {
      const pid = mode === 'direct' ? tokenServer.process.pid : sutazaiPid;
      const cpuBefore = cpuMilliseconds(pid);
      const wallBefore = performance.now();
      const { timed, all } = await steadyPhase(mode === 'direct' ? direct : through, check, rampMs, streamsPerWorker);
      cpu[mode].ms += (cpuMilliseconds(pid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
      cpu[mode].wallMs += performance.now() - wallBefore;
      steady[mode].push(...timed);
      steady[`${mode}All`].push(...all);
      log(`  ${mode}: ${timed.length} timed of ${all.length} streams`);
    }
  }
  reportComparison(report, { concurrency: CONCURRENCY, arrival: 'steady', direct: steady.direct, through: steady.through, ratioTarget: ['<=', 1.05], ttftTarget: ['<', 1] });
  const streams = { direct: steady.directAll.length, through: steady.throughAll.length };
  report.figure({
    bench: 'chat-stream', figure: 'server_cpu_ms_per_stream', concurrency: CONCURRENCY, value: cpu.through.ms / streams.through, unit: 'ms',
    baseline: cpu.direct.ms / streams.direct,
    details: {
      arrival: 'steady', process: 'sutazai', baseline_process: 'token-server',
      cpu_us_per_token: round3((cpu.through.ms * 1000) / (streams.through * tokens)),
      baseline_cpu_us_per_token: round3((cpu.direct.ms * 1000) / (streams.direct * tokens)),
      cores_busy: round3(cpu.through.ms / cpu.through.wallMs), baseline_cores_busy: round3(cpu.direct.ms / cpu.direct.wallMs),
    },
  });

  log(`chat-stream: concurrency ${CONCURRENCY} burst, ${burstRounds} rounds per mode`);
  const burst = { direct: [], through: [] };
  for (let round = 0; round < burstRounds; round++) {
    for (const mode of round % 2 === 0 ? ['direct', 'through'] : ['through', 'direct']) {
      const start = mode === 'direct' ? direct : through;
      burst[mode].push(...(await Promise.all(Array.from({ length: CONCURRENCY }, () => start().then(check)))));
    }
  }
  reportComparison(report, { concurrency: CONCURRENCY, arrival: 'burst', ...burst, ratioTarget: undefined, ttftTarget: undefined, only: ['ttft_added_ms_p50', 'total_ratio_p50'] });
  reportLoss(report, CONCURRENCY, { direct: [...steady.directAll, ...burst.direct], through: [...steady.throughAll, ...burst.through] }, tokens);
  agent.destroy();
}

/** 64 workers, worker w starting at w * ramp / 64, each running `count` streams back to back. */
async function steadyPhase(start, check, rampMs, count) {
  const phaseStart = performance.now();
  const workers = await Promise.all(Array.from({ length: CONCURRENCY }, async (_, worker) => {
    await new Promise((resolve) => setTimeout(resolve, (worker * rampMs) / CONCURRENCY));
    const results = [];
    for (let i = 0; i < count; i++) results.push(check(await start()));
    return results;
  }));
  const all = workers.flat();
  const rampEnd = phaseStart + rampMs;
  // Streams that ended after the first worker finished ran with fewer than 64 in flight.
  const firstWorkerDone = Math.min(...workers.map((results) => Math.max(...results.map(endOf))));
  const timed = all.filter((result) => result.startedAt >= rampEnd && endOf(result) <= firstWorkerDone);
  return { timed, all };
}

function endOf(result) {
  return result.startedAt + (result.totalMs ?? 0);
}

/** Adds `lost` (expected tokens not received in order) and `mismatch` to a stream result. */
export function checkStream(result, expected) {
  const text = result.deltas.join('');
  let matched = 0;
  let offset = 0;
  while (matched < expected.length && text.startsWith(expected[matched], offset)) offset += expected[matched++].length;
  result.lost = expected.length - matched;
  result.mismatch = offset !== text.length || result.lost > 0;
  if (!result.error && result.completionTokens !== expected.length) result.error = `usage.completion_tokens ${result.completionTokens}, expected ${expected.length}`;
  return result;
}

function reportComparison(report, { concurrency, arrival, direct, through, ratioTarget, ttftTarget, only }) {
  const complete = (results) => results.filter((result) => !result.error && !result.mismatch);
  const samples = { direct: complete(direct), through: complete(through) };
  const stat = (mode, key, q) => percentile(samples[mode].map((result) => result[key]), q);
  const figures = [];
  for (const [name, key, q, target] of [
    ['ttft_added_ms_p50', 'ttftMs', 0.5, ttftTarget],
    ['ttft_added_ms_p95', 'ttftMs', 0.95, undefined],
    ['total_added_ms_p50', 'totalMs', 0.5, undefined],
    ['total_added_ms_p95', 'totalMs', 0.95, undefined],
  ]) {
    const through = stat('through', key, q);
    const baseline = stat('direct', key, q);
    figures.push({
      bench: 'chat-stream', figure: name, concurrency, value: through - baseline, unit: 'ms', baseline, target,
      details: { through_ms: round3(through), direct_ms: round3(baseline), arrival, samples: samples.through.length, baseline_samples: samples.direct.length },
    });
  }
  const throughTotal = stat('through', 'totalMs', 0.5);
  const directTotal = stat('direct', 'totalMs', 0.5);
  figures.push({
    bench: 'chat-stream', figure: 'total_ratio_p50', concurrency, value: throughTotal / directTotal, unit: 'ratio', baseline: 1, target: ratioTarget,
    details: { through_ms: round3(throughTotal), direct_ms: round3(directTotal), arrival },
  });
  for (const figure of figures) if (!only || only.includes(figure.figure)) report.figure(figure);
}

function reportLoss(report, concurrency, { direct, through }, tokens) {
  const summarize = (results) => ({
    // A stream with extra or altered text, or that failed after all its text, counts as one lost token.
    lost: results.reduce((sum, result) => sum + (result.lost > 0 ? result.lost : result.mismatch || result.error ? 1 : 0), 0),
    mismatched: results.filter((result) => result.mismatch).length,
    failed: results.filter((result) => result.error).length,
    firstError: results.find((result) => result.error)?.error ?? null,
    streams: results.length,
  });
  const viaSutazai = summarize(through);
  const viaDirect = summarize(direct);
  report.figure({
    bench: 'chat-stream', figure: 'tokens_lost', concurrency, value: viaSutazai.lost, unit: 'tokens', baseline: viaDirect.lost, target: ['=', 0],
    details: {
      streams: viaSutazai.streams, tokens_per_stream: tokens, mismatched_streams: viaSutazai.mismatched, failed_streams: viaSutazai.failed,
      first_error: viaSutazai.firstError, baseline_first_error: viaDirect.firstError,
    },
  });
}

function round3(value) {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}
