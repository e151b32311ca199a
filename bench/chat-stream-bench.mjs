/**
 * Figure 1: what SutazAI adds to a streamed chat. The same token server is streamed from
 * directly (OpenAI protocol), through SutazAI (`POST /api/v1/chat/stream`) and through a bare
 * node:http proxy (`bare-proxy.mjs`, the floor), taking turns, in the same run; every
 * stream's text is checked against the tokens the server sent.
 *
 * - concurrency 1: rounds of one sequential stream each way, in every order in turn;
 * - concurrency 64, steady: 64 closed-loop workers whose starts are spread over one stream
 *   duration, so 64 streams are in flight and arrivals are spread as with real users; only
 *   streams that ran entirely while all 64 workers were busy are timed;
 * - concurrency 64, burst (context only): 64 streams started at the same instant.
 */
import { benchTokens } from './token-server.mjs';
import { createAgent, streamDirect, streamThrough } from './stream-clients.mjs';
import { cpuMilliseconds } from './processes.mjs';
import { percentile, round } from './statistics.mjs';

const CONCURRENCY = 64;
/** The orders the three ways are run in, one after another. */
const ORDERS = [['direct', 'through', 'bare'], ['through', 'bare', 'direct'], ['bare', 'direct', 'through'], ['direct', 'bare', 'through'], ['through', 'direct', 'bare'], ['bare', 'through', 'direct']];

export async function runChatStreamBench({ report, log, tokenServer, sutazaiURL, sutazaiPid, bareProxyURL, bareProxyPid, tokens, intervalMs, sequentialPairs = 30, steadyPhases = 2, streamsPerWorker = 5, burstRounds = 2 }) {
  const expected = benchTokens(tokens);
  const agent = createAgent();
  let prompt = 0;
  const direct = () => streamDirect(agent, tokenServer.baseURL, `bench prompt ${prompt++}`);
  const through = () => streamThrough(agent, sutazaiURL, `bench prompt ${prompt++}`);
  // The floor: the same event stream from a bare node:http proxy (`bare-proxy.mjs`).
  const bare = () => streamThrough(agent, bareProxyURL, `bench prompt ${prompt++}`);
  const starters = { direct, through, bare };
  const check = (result) => checkStream(result, expected);

  log(`chat-stream: warm-up (${tokens} tokens every ${intervalMs} ms)`);
  for (let i = 0; i < 3; i++) {
    check(await direct());
    check(await through());
    check(await bare());
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, () => direct().then(check)));
  await Promise.all(Array.from({ length: CONCURRENCY }, () => through().then(check)));

  log(`chat-stream: concurrency 1, ${sequentialPairs} rounds`);
  const sequential = { direct: [], through: [], bare: [] };
  for (let i = 0; i < sequentialPairs; i++) {
    // Every order of the three in turn, so none is always first after a pause.
    for (const mode of ORDERS[i % ORDERS.length]) sequential[mode].push(check(await starters[mode]()));
  }
  reportComparison(report, { concurrency: 1, arrival: 'sequential', ...sequential, ratioTarget: undefined, ttftTarget: ['<', 1] });
  reportFloor(report, { concurrency: 1, arrival: 'sequential', ...sequential });
  reportLoss(report, 1, sequential, tokens);

  log(`chat-stream: concurrency ${CONCURRENCY} steady, ${steadyPhases} phases per mode of ${streamsPerWorker} streams per worker`);
  const steady = { direct: [], through: [], bare: [], directAll: [], throughAll: [], bareAll: [] };
  // CPU of the process that serves each mode: the token server for direct, SutazAI for through, the proxy for bare.
  const cpu = { direct: { ms: 0, wallMs: 0 }, through: { ms: 0, wallMs: 0 }, bare: { ms: 0, wallMs: 0 } };
  const rampMs = tokens * intervalMs;
  for (let phase = 0; phase < steadyPhases; phase++) {
    for (const mode of ORDERS[phase % ORDERS.length]) {
      const pid = { direct: tokenServer.process.pid, through: sutazaiPid, bare: bareProxyPid }[mode];
      const cpuBefore = cpuMilliseconds(pid);
      const wallBefore = performance.now();
      const { timed, all } = await steadyPhase(starters[mode], check, rampMs, streamsPerWorker);
      cpu[mode].ms += (cpuMilliseconds(pid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
      cpu[mode].wallMs += performance.now() - wallBefore;
      steady[mode].push(...timed);
      steady[`${mode}All`].push(...all);
      log(`  ${mode}: ${timed.length} timed of ${all.length} streams`);
    }
  }
  reportComparison(report, { concurrency: CONCURRENCY, arrival: 'steady', direct: steady.direct, through: steady.through, ratioTarget: ['<=', 1.05], ttftTarget: ['<', 1] });
  reportFloor(report, { concurrency: CONCURRENCY, arrival: 'steady', direct: steady.direct, through: steady.through, bare: steady.bare });
  const streams = { direct: steady.directAll.length, through: steady.throughAll.length, bare: steady.bareAll.length };
  report.figure({
    bench: 'chat-stream', figure: 'server_cpu_ms_per_stream', concurrency: CONCURRENCY, value: cpu.through.ms / streams.through, unit: 'ms',
    baseline: cpu.direct.ms / streams.direct,
    details: {
      arrival: 'steady', process: 'sutazai', baseline_process: 'token-server',
      cpu_us_per_token: round((cpu.through.ms * 1000) / (streams.through * tokens), 3),
      baseline_cpu_us_per_token: round((cpu.direct.ms * 1000) / (streams.direct * tokens), 3),
      cores_busy: round(cpu.through.ms / cpu.through.wallMs, 3), baseline_cores_busy: round(cpu.direct.ms / cpu.direct.wallMs, 3),
      bare_proxy_cpu_us_per_token: round((cpu.bare.ms * 1000) / (streams.bare * tokens), 3), bare_proxy_cores_busy: round(cpu.bare.ms / cpu.bare.wallMs, 3),
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

/** The streams that are timed: complete, with exactly the tokens sent. */
function complete(results) {
  return results.filter((result) => !result.error && !result.mismatch);
}

function reportComparison(report, { concurrency, arrival, direct, through, ratioTarget, ttftTarget, only }) {
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
      details: { through_ms: round(through, 3), direct_ms: round(baseline, 3), arrival, samples: samples.through.length, baseline_samples: samples.direct.length },
    });
  }
  const throughTotal = stat('through', 'totalMs', 0.5);
  const directTotal = stat('direct', 'totalMs', 0.5);
  figures.push({
    bench: 'chat-stream', figure: 'total_ratio_p50', concurrency, value: throughTotal / directTotal, unit: 'ratio', baseline: 1, target: ratioTarget,
    details: { through_ms: round(throughTotal, 3), direct_ms: round(directTotal, 3), arrival },
  });
  for (const figure of figures) if (!only || only.includes(figure.figure)) report.figure(figure);
}

/**
 * What a bare node:http proxy adds (the floor any server in between pays on this machine),
 * and what SutazAI adds beyond it: context for reading `ttft_added_ms_p50` and `total_ratio_p50`.
 */
function reportFloor(report, { concurrency, arrival, direct, through, bare }) {
  const median = (results, key) => percentile(complete(results).map((result) => result[key]), 0.5);
  const [directTtft, throughTtft, bareTtft] = [direct, through, bare].map((results) => median(results, 'ttftMs'));
  const [directTotal, bareTotal] = [direct, bare].map((results) => median(results, 'totalMs'));
  const failed = bare.length - complete(bare).length;
  report.figure({
    bench: 'chat-stream', figure: 'ttft_added_ms_p50_bare_proxy', concurrency, value: bareTtft - directTtft, unit: 'ms', baseline: directTtft, target: undefined,
    details: { bare_ms: round(bareTtft, 3), direct_ms: round(directTtft, 3), arrival, samples: complete(bare).length, failed_streams: failed },
  });
  report.figure({
    bench: 'chat-stream', figure: 'ttft_added_over_bare_proxy_ms_p50', concurrency, value: throughTtft - bareTtft, unit: 'ms', baseline: bareTtft, target: undefined,
    details: { through_ms: round(throughTtft, 3), bare_ms: round(bareTtft, 3), arrival },
  });
  report.figure({
    bench: 'chat-stream', figure: 'total_ratio_p50_bare_proxy', concurrency, value: bareTotal / directTotal, unit: 'ratio', baseline: 1, target: undefined,
    details: { bare_ms: round(bareTotal, 3), direct_ms: round(directTotal, 3), arrival },
  });
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
