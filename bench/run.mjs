/**
 * SutazAI benchmarks: `npm run bench` (builds first) or `node bench/run.mjs` after a build.
 * One JSON line per figure on stdout, progress on stderr; see bench/README.md.
 *
 * Options: --only chat,health,startup,turns,browser (a subset), --quick (fewer repetitions, for a smoke run).
 * BENCH_CPU_PROF=<folder> writes a V8 CPU profile of the SutazAI process of the chat and
 * health benchmarks into that folder (open it in Chrome DevTools or speedscope).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBrowserConversationBench } from './browser-conversation-bench.mjs';
import { runChatStreamBench } from './chat-stream-bench.mjs';
import { runHealthRpsBench } from './health-rps-bench.mjs';
import { cliEntry, removeTemporaryFolders, repositoryRoot, spawnBareProxy, spawnFastifyBaseline, spawnSutazai, spawnTokenServer, unbundledCliEntry, waitForOk } from './processes.mjs';
import { createReport } from './report.mjs';
import { runStartupBench } from './startup-bench.mjs';
import { runVoiceBench } from './voice-bench.mjs';
import { runVectorStoreBench } from './vector-store-bench.mjs';
import { runRetrievalBench } from './retrieval-bench.mjs';
import { runReplicasBench } from './replicas-bench.mjs';
import { runMigrateBench } from './migrate-bench.mjs';
import { runTurnCostBench } from './turn-cost-bench.mjs';

const TOKENS = 64;
const INTERVAL_MS = 10;

const { values } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const selected = new Set((values.only ?? 'chat,health,startup,turns,browser,retrieval,vectors,voice,replicas,migrate').split(',').map((name) => name.trim()));
const quick = values.quick;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

if (!existsSync(cliEntry) || !existsSync(unbundledCliEntry)) {
  log(`${path.relative(repositoryRoot, existsSync(cliEntry) ? unbundledCliEntry : cliEntry)} is missing: run \`npm run build\` first (or \`npm run bench\`, which builds).`);
  process.exit(2);
}

const report = createReport();
const started = performance.now();
const loadBefore = os.loadavg()[0];
const running = [];
const stopAll = () => Promise.all(running.splice(0).map((child) => child.stop()));
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  log(`${os.cpus().length} CPUs, load average ${loadBefore.toFixed(2)}, Node ${process.version}`);
  if (selected.has('chat') || selected.has('health')) {
    const profileFolder = process.env.BENCH_CPU_PROF;
    const nodeArgs = profileFolder ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileFolder)] : [];
    const tokenServer = await spawnTokenServer({ tokens: TOKENS, intervalMs: INTERVAL_MS });
    running.push(tokenServer.process);
    const sutazai = await spawnSutazai({ OPENAI_BASE_URL: tokenServer.baseURL }, { nodeArgs });
    running.push(sutazai.process);
    const fastify = await spawnFastifyBaseline();
    running.push(fastify.process);
    const bareProxy = selected.has('chat') ? await spawnBareProxy(tokenServer.baseURL) : undefined;
    if (bareProxy) running.push(bareProxy.process);
    await Promise.all([waitForOk(`${sutazai.url}/health`, sutazai.process), waitForOk(`${fastify.url}/health`, fastify.process)]);
    log(`token server ${tokenServer.url}, SutazAI ${sutazai.url}, Fastify baseline ${fastify.url}`);

    if (selected.has('chat')) {
      await runChatStreamBench({
        report, log, tokenServer, sutazaiURL: sutazai.url, sutazaiPid: sutazai.process.pid, bareProxyURL: bareProxy.url, bareProxyPid: bareProxy.process.pid, tokens: TOKENS, intervalMs: INTERVAL_MS,
        ...(quick ? { sequentialPairs: 6, steadyPhases: 1, streamsPerWorker: 3, burstRounds: 1 } : {}),
      });
    }
    if (selected.has('health')) {
      await runHealthRpsBench({ report, log, sutazaiURL: sutazai.url, fastifyURL: fastify.url, ...(quick ? { pairs: 1, durationMs: 1_000 } : {}) });
    }
    await stopAll();
    if (profileFolder) log(`CPU profile of SutazAI written to ${path.resolve(profileFolder)}`);
  }
  if (selected.has('startup')) await runStartupBench({ report, log, ...(quick ? { starts: 1 } : {}) });
  if (selected.has('turns')) await runTurnCostBench({ report, log, ...(quick ? { turns: 300, rounds: 1 } : {}) });
  if (selected.has('retrieval')) await runRetrievalBench({ report, log, quick });
  if (selected.has('vectors')) await runVectorStoreBench({ report, log, quick });
  if (selected.has('replicas')) await runReplicasBench({ report, log, ...(quick ? { rounds: 1 } : {}) });
  if (selected.has('migrate')) await runMigrateBench({ report, log, quick });
  if (selected.has('voice')) await runVoiceBench({ report, log, ...(quick ? { rounds: 2 } : {}) });
  if (selected.has('browser')) await runBrowserConversationBench({ report, log, ...(quick ? { opens: 2, scrolls: 1 } : {}) });
} catch (error) {
  await stopAll();
  removeTemporaryFolders();
  log(`the benchmark itself failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}

removeTemporaryFolders();
report.summary({
  duration_s: Math.round((performance.now() - started) / 100) / 10,
  cpus: os.cpus().length,
  load_average_before: Math.round(loadBefore * 100) / 100,
  load_average_after: Math.round(os.loadavg()[0] * 100) / 100,
});
