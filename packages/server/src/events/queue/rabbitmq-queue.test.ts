/**
 * The RabbitMQ adapter against the real broker: the conformance suite, then what only a
 * broker can show: a worker process killed mid-job, and a broker restarted under load. All in
 * one file so they run one after another: the restart must not pull the broker from under the
 * other cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdBrokerLock } from './test-support/broker-lock.js';
import { startTestApp } from '../../http/test-support/test-app.js';
import type { Logger } from '../../logger.js';
import type { DeliveredJob } from './job-queue.js';
import { createResultsTable } from './test-support/job-results-table.js';
import { deferred, runQueueConformance, sleep, uniqueKind, waitFor, waitForDeadLetters } from './test-support/queue-conformance.js';
import { queuesFor } from './rabbitmq-topology.js';
import {
  amqpTestUrl, createRabbitMqFixture, createTestVhost, ensureBrokerRunning, setMemoryWatermark, rabbitMqSkipReason, startBroker, stopBroker,
} from './test-support/rabbitmq-fixture.js';

const skipReason = await rabbitMqSkipReason();
if (skipReason) console.warn(`RabbitMQ job queue tests ${skipReason}`);
const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./test-support/rabbitmq-worker-process.ts', import.meta.url));

describe.skipIf(skipReason !== undefined)(`RabbitMQ job queue${skipReason ? ` (${skipReason})` : ''}`, () => {
  // Other test files that use the broker wait while this one restarts and blocks it.
  let releaseBroker: (() => void) | undefined;
  beforeAll(async () => {
    releaseBroker = await holdBrokerLock();
  }, 600_000);
  afterAll(() => releaseBroker?.());

  describe('conformance', () => {
    runQueueConformance({ createQueue: async (settings) => createRabbitMqFixture(settings), timeoutMs: 30_000 });
  });

  it('reports down with a hint, and refuses jobs after a bounded wait, when no broker answers', async () => {
    const fixture = createRabbitMqFixture({ url: 'amqp://guest:guest@127.0.0.1:1', enqueueTimeoutMs: 500, probeTimeoutMs: 300 });
    try {
      const probe = await fixture.queue.probe();
      expect(probe).toMatchObject({ status: 'down', hint: expect.stringContaining('AMQP_URL') });
      expect(probe.detail).toContain('amqp://guest:****@127.0.0.1:1');
      const started = Date.now();
      await expect(fixture.queue.enqueue({ id: 'nowhere', kind: 'k', payload: null })).rejects.toMatchObject({
        code: 'QUEUE_UNAVAILABLE', message: expect.stringMatching(/did not answer within 500 ms/),
      });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await fixture.queue.close();
    }
  });

  it('fails enqueue with QUEUE_UNAVAILABLE when the broker blocks publishing and never confirms, and the job still arrives later', async () => {
    const fixture = createRabbitMqFixture({ enqueueTimeoutMs: 1500 });
    const kind = uniqueKind();
    let alarm = false;
    try {
      await fixture.queue.enqueue({ id: 'before', kind, payload: null });
      // A memory alarm: the broker stops reading from publishers until it clears.
      alarm = true;
      await setMemoryWatermark('0');
      await expect(fixture.queue.enqueue({ id: 'blocked', kind, payload: null })).rejects.toMatchObject({
        code: 'QUEUE_UNAVAILABLE', message: expect.stringMatching(/did not confirm the job within 1500 ms; it may still run/),
      });
      await setMemoryWatermark('0.4');
      alarm = false;
      const seen: string[] = [];
      await fixture.queue.consume(kind, async (job) => {
        seen.push(job.id);
      });
      await waitFor(() => seen.length === 2, 'both jobs to run once the alarm cleared');
      expect(seen.sort()).toEqual(['before', 'blocked']);
    } finally {
      if (alarm) await setMemoryWatermark('0.4');
      await fixture.dispose();
    }
  });

  it('is the platform\'s queue when AMQP_URL is set, shown healthy in /health/detailed', async () => {
    // The platform names its queues itself: a vhost of its own keeps them apart and takes them away.
    const vhost = await createTestVhost();
    const kind = uniqueKind();
    try {
      const t = await startTestApp({ env: { AMQP_URL: vhost.url } });
      try {
        expect(t.platform.queue.kind).toBe('rabbitmq');
        const seen: string[] = [];
        await t.platform.queue.consume(kind, async (job) => {
          seen.push(job.id);
        });
        await t.platform.queue.enqueue({ id: 'wired', kind, payload: null });
        await waitFor(() => seen.length === 1, 'the job to run');
        const body = (await t.app.inject({ method: 'GET', url: '/health/detailed' })).json() as { services: { name: string; detail: string }[] };
        const service = body.services.find((s) => s.name === 'job-queue');
        expect(service).toMatchObject({ kind: 'rabbitmq', status: 'healthy' });
        expect(service!.detail).toMatch(/^RabbitMQ [0-9.]+ at 127\.0\.0\.1:5672/);
        expect(service!.detail).toContain(`${kind}: 0 ready, 1 consumers, 0 dead`);
      } finally {
        await t.close();
      }
    } finally {
      await vhost.dispose();
    }
  });

  it('counts deliveries cut short by a crash, and dead-letters unrun a job that crashed its workers maxAttempts times', async () => {
    const fixture = createRabbitMqFixture({ maxAttempts: 2 });
    const kind = uniqueKind();
    const connection = await amqp.connect(amqpTestUrl);
    try {
      await fixture.queue.enqueue({ id: 'kills-workers', kind, payload: null });
      // A worker that dies mid-job, as the broker sees it: its channel closes with the job unacknowledged.
      for (let crash = 0; crash < 2; crash++) {
        const channel = await connection.createChannel();
        await channel.prefetch(1);
        const delivered = deferred<void>();
        await channel.consume(queuesFor(fixture.prefix, kind).work, (message) => message && delivered.resolve(), { noAck: false });
        await delivered.promise;
        await channel.close();
      }
      let ran = false;
      await fixture.queue.consume(kind, async () => {
        ran = true;
      });
      const letters = await waitForDeadLetters(fixture.queue, kind, 1);
      expect(ran).toBe(false);
      expect(letters[0]).toMatchObject({ id: 'kills-workers', attempt: 3 });
      expect(letters[0]!.error).toContain('without finishing');
    } finally {
      await connection.close();
      await fixture.dispose();
    }
  }, 30_000);

  it('hands the jobs of a worker process killed mid-job to another consumer, and each result is stored once', async () => {
    const results = await createResultsTable();
    const fixture = createRabbitMqFixture();
    const kind = uniqueKind();
    let worker: ChildProcess | undefined;
    try {
      // Two jobs die after their result was stored (the duplicate case), two before.
      const jobs = [
        { id: 'stored-1', storeBeforeCrash: true }, { id: 'stored-2', storeBeforeCrash: true },
        { id: 'unstored-1', storeBeforeCrash: false }, { id: 'unstored-2', storeBeforeCrash: false },
      ];
      for (const job of jobs) await fixture.queue.enqueue({ id: job.id, kind, payload: { storeBeforeCrash: job.storeBeforeCrash } });

      const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
        cwd: repositoryRoot,
        env: { ...process.env, AMQP_URL: amqpTestUrl, QUEUE_PREFIX: fixture.prefix, JOB_KIND: kind, RESULTS_SCHEMA: results.schema, CONCURRENCY: String(jobs.length) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker = child;
      const working = new Set<string>();
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const match of output.matchAll(/^working (\S+)$/gm)) working.add(match[1]!);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      let exited = false;
      const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => {
        exited = true;
        resolve(signal);
      }));
      await waitFor(() => working.size === jobs.length || exited, 'the worker process to be in the middle of every job', 30_000)
        .catch((error: Error) => {
          throw new Error(`${error.message}; worker output:\n${output}`);
        });
      expect(exited, `the worker process exited early:\n${output}`).toBe(false);
      expect((await results.rows()).map((row) => row.job_id)).toEqual(['stored-1', 'stored-2']);

      child.kill('SIGKILL');
      expect(await exit).toBe('SIGKILL');

      const deliveries: DeliveredJob[] = [];
      await fixture.queue.consume(kind, async (job) => {
        deliveries.push(job);
        await results.store(job.id, 'survivor', job.attempt);
      }, { concurrency: 4 });
      await waitFor(() => deliveries.length >= jobs.length, 'the killed worker\'s jobs to be delivered again', 20_000);
      await sleep(300);

      expect(deliveries.map((job) => job.id).sort()).toEqual(jobs.map((job) => job.id).sort());
      for (const job of deliveries) expect(job).toMatchObject({ attempt: 2, redelivered: true });
      expect(await results.rows()).toEqual([
        { job_id: 'stored-1', worker: `worker-${child.pid}`, attempt: 1 },
        { job_id: 'stored-2', worker: `worker-${child.pid}`, attempt: 1 },
        { job_id: 'unstored-1', worker: 'survivor', attempt: 2 },
        { job_id: 'unstored-2', worker: 'survivor', attempt: 2 },
      ]);
      expect(await fixture.queue.deadLetters(kind)).toEqual([]);
    } finally {
      if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await fixture.dispose();
      await results.dispose();
    }
  }, 90_000);

  // Stops and starts the machine's RabbitMQ node; fails (never skips) when it cannot.
  it('loses no confirmed job while the broker restarts under load, and stores each result once', async () => {
    const results = await createResultsTable();
    const log: string[] = [];
    const logger: Logger = {
      error: (_object, message) => log.push(`error: ${message}`),
      warn: (_object, message) => log.push(`warn: ${message}`),
      info: (_object, message) => log.push(`info: ${message}`),
      debug: () => undefined,
    };
    const fixture = createRabbitMqFixture({ logger, enqueueTimeoutMs: 60_000, maxAttempts: 5, retryDelayMs: () => 50 });
    const kind = uniqueKind();
    const confirmed = new Set<string>();
    const refused: unknown[] = [];
    const handled = new Map<string, number>();
    const outage = { from: 0, to: 0 };
    let producing = true;
    let sequence = 0;
    const producer = async () => {
      while (producing) {
        const id = `job-${sequence++}`;
        const startedAt = Date.now();
        try {
          await fixture.queue.enqueue({ id, kind, payload: { startedAt } });
          confirmed.add(id);
        } catch (error) {
          refused.push(error);
        }
        await sleep(5);
      }
    };
    let producers: Promise<void>[] = [];
    try {
      await fixture.queue.consume(kind, async (job) => {
        handled.set(job.id, (handled.get(job.id) ?? 0) + 1);
        await results.store(job.id, 'consumer', job.attempt);
      }, { concurrency: 4 });
      producers = [producer(), producer(), producer()];
      await waitFor(() => confirmed.size >= 150, '150 jobs to be confirmed before the restart', 30_000);

      await stopBroker();
      outage.from = Date.now();
      // Enqueued while no broker runs: they must wait for it, not fail or vanish.
      const whileDown = Array.from({ length: 20 }, (_, i) => fixture.queue.enqueue({ id: `down-${i}`, kind, payload: {} }).then(() => {
        confirmed.add(`down-${i}`);
      }));
      await sleep(1000);
      await startBroker();
      outage.to = Date.now();
      await Promise.all(whileDown);
      const atRestart = confirmed.size;
      await waitFor(() => confirmed.size >= atRestart + 150, '150 more jobs to be confirmed after the restart', 60_000);
      producing = false;
      await Promise.all(producers);

      const until = Date.now() + 60_000;
      let rows = await results.rows();
      while (rows.length < confirmed.size && Date.now() < until) {
        await sleep(250);
        rows = await results.rows();
      }
      const stored = new Set(rows.map((row) => row.job_id));
      const lost = [...confirmed].filter((id) => !stored.has(id));
      const duplicates = [...handled.values()].filter((count) => count > 1).length;
      console.info(`broker restart: ${confirmed.size} jobs confirmed (20 enqueued while it was down), ${handled.size} handled, ${duplicates} delivered more than once, broker down for ${outage.to - outage.from} ms`);

      expect(log).toContain('warn: RabbitMQ: connection lost; reconnecting');
      expect(log).toContain('info: RabbitMQ: reconnected');
      expect(refused).toEqual([]);
      expect(lost).toEqual([]);
      // Exactly once by key: one row per job, and none for a job that was never enqueued.
      expect(rows.length).toBe(stored.size);
      expect([...stored].filter((id) => !/^(job|down)-\d+$/.test(id))).toEqual([]);
      expect(stored.has('down-0') && stored.has('down-19')).toBe(true);
      expect(await fixture.queue.deadLetters(kind)).toEqual([]);
    } finally {
      producing = false;
      await Promise.allSettled(producers);
      await ensureBrokerRunning();
      await fixture.dispose();
      await results.dispose();
    }
  }, 240_000);
});
