/**
 * What one chat turn costs SutazAI in CPU, apart from its tokens: many one-token replies
 * (8 at a time) through SutazAI and through the bare proxy (`bare-proxy.mjs`), each against
 * the token server, taking turns, in the same run. The difference is SutazAI's own work per
 * turn (request handling, storage, the guarded upstream request, the stream hub); the
 * `chat-stream` figures show it as the first token's wait once many streams share a core.
 */
import { createAgent, streamThrough } from './stream-clients.mjs';
import { cpuMilliseconds, spawnBareProxy, spawnSutazai, spawnTokenServer, waitForOk } from './processes.mjs';
import { median } from './statistics.mjs';

const CONCURRENCY = 8;

export async function runTurnCostBench({ report, log, turns = 1500, rounds = 3 }) {
  const tokenServer = await spawnTokenServer({ tokens: 1, intervalMs: 1 });
  const sutazai = await spawnSutazai({ OPENAI_BASE_URL: tokenServer.baseURL });
  const bare = await spawnBareProxy(tokenServer.baseURL);
  const agent = createAgent();
  try {
    await waitForOk(`${sutazai.url}/health`, sutazai.process);
    const targets = { sutazai: { url: sutazai.url, pid: sutazai.process.pid }, bare: { url: bare.url, pid: bare.process.pid } };
    const measured = { sutazai: [], bare: [] };
    const failed = { sutazai: 0, bare: 0 };
    const run = async (name, count) => {
      let started = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (started < count) {
          started++;
          const result = await streamThrough(agent, targets[name].url, `turn ${started}`);
          if (result.error || result.deltas.length !== 1) failed[name]++;
        }
      }));
    };
    // Unmeasured first: the JIT and the chunks loaded on first use would count against round one.
    for (const name of Object.keys(targets)) await run(name, turns);
    log(`turn-cost: ${rounds} rounds of ${turns} one-token turns, ${CONCURRENCY} at a time, each way`);
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? ['sutazai', 'bare'] : ['bare', 'sutazai']) {
        const { pid } = targets[name];
        const before = cpuMilliseconds(pid);
        await run(name, turns);
        const perTurn = ((cpuMilliseconds(pid) - before) * 1000) / turns;
        measured[name].push(perTurn);
        log(`  ${name}: ${perTurn.toFixed(0)} µs of CPU per turn`);
      }
    }
    report.figure({
      bench: 'turn-cost', figure: 'server_cpu_us_per_turn', value: median(measured.sutazai), unit: 'µs', baseline: median(measured.bare), target: undefined,
      details: {
        concurrency: CONCURRENCY, turns_per_round: turns, rounds, sutazai_us: measured.sutazai.map(Math.round), bare_proxy_us: measured.bare.map(Math.round),
        failed_turns: failed.sutazai, bare_proxy_failed_turns: failed.bare,
      },
    });
  } finally {
    agent.destroy();
    await Promise.all([sutazai.process.stop(), bare.process.stop(), tokenServer.process.stop()]);
  }
}
