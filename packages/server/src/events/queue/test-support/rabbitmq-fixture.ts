/**
 * The real RabbitMQ the queue tests run against: reachability, a queue per case with a unique
 * prefix whose queues are deleted afterwards, and a full broker restart.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { createRabbitMqQueue, type RabbitMqQueueOptions } from '../rabbitmq-queue.js';
import type { JobQueue } from '../job-queue.js';
import { queuesFor } from '../rabbitmq-topology.js';
import type { QueueFixture } from './queue-conformance.js';

const run = promisify(execFile);

export const amqpTestUrl = process.env.SUTAZAI_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Under CI a broker that does not answer fails the tests; elsewhere they skip with this reason. */
export async function rabbitMqSkipReason(): Promise<string | undefined> {
  if (await amqpAnswers(3000)) return undefined;
  if (process.env.CI) return undefined;
  return `skipped: no RabbitMQ answers at ${amqpTestUrl.replace(/:[^:@/]*@/, ':****@')} (start it with rabbitmq-server -detached; under CI=true this fails instead)`;
}

export async function amqpAnswers(timeoutMs: number): Promise<boolean> {
  try {
    const connection = await amqp.connect(amqpTestUrl, { timeout: timeoutMs });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export function uniquePrefix(): string {
  return `t_jobs_${randomBytes(5).toString('hex')}`;
}

/** A queue that records the kinds it touched, so `dispose` can delete exactly their queues. */
export function createRabbitMqFixture(options: Partial<RabbitMqQueueOptions> = {}): QueueFixture & { prefix: string } {
  const prefix = options.prefix ?? uniquePrefix();
  const inner = createRabbitMqQueue({ url: amqpTestUrl, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, ...options, prefix });
  const kinds = new Set<string>();
  const queue: JobQueue = {
    kind: inner.kind,
    enqueue: (job) => {
      kinds.add(job.kind);
      return inner.enqueue(job);
    },
    consume: (kind, handler, consumeOptions) => {
      kinds.add(kind);
      return inner.consume(kind, handler, consumeOptions);
    },
    deadLetters: (kind, limit) => {
      kinds.add(kind);
      return inner.deadLetters(kind, limit);
    },
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
  return {
    prefix,
    queue,
    async dispose() {
      await inner.close();
      await deleteQueues(prefix, [...kinds]);
    },
  };
}

export async function deleteQueues(prefix: string, kinds: string[]): Promise<void> {
  if (kinds.length === 0) return;
  const connection = await amqp.connect(amqpTestUrl);
  try {
    const channel = await connection.createChannel();
    for (const kind of kinds) {
      const queues = queuesFor(prefix, kind);
      for (const name of [queues.work, queues.retry, queues.dead]) await channel.deleteQueue(name);
    }
    await channel.close();
  } finally {
    await connection.close();
  }
}

/**
 * A virtual host of its own, for code that names its queues itself (the platform's default
 * prefix): deleting the vhost deletes whatever was declared in it.
 */
export async function createTestVhost(): Promise<{ url: string; dispose(): Promise<void> }> {
  const vhost = `t_jobs_${randomBytes(5).toString('hex')}`;
  const user = new URL(amqpTestUrl).username || 'guest';
  await rabbitmqctl(['add_vhost', vhost]);
  await rabbitmqctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  const url = new URL(amqpTestUrl);
  url.pathname = `/${vhost}`;
  return { url: url.toString(), dispose: () => rabbitmqctl(['delete_vhost', vhost]) };
}

/** The broker's memory alarm threshold; 0 raises the alarm at once (publishers are blocked), 0.4 is the default. */
export function setMemoryWatermark(fraction: string): Promise<void> {
  return rabbitmqctl(['set_vm_memory_high_watermark', fraction]);
}

async function rabbitmqctl(args: string[]): Promise<void> {
  await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${describe(error)}`);
  });
}

/**
 * Stops the whole broker node (`rabbitmqctl stop`); `startBroker` starts it again as the
 * machine's service start does (`rabbitmq-server -detached`). Each throws, loudly, when its step
 * fails: a restart test must not pass without a restart.
 */
export async function stopBroker(): Promise<void> {
  await run('rabbitmqctl', ['stop'], { timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`could not stop RabbitMQ with "rabbitmqctl stop": ${describe(error)}`);
  });
  if (await amqpAnswers(1000)) throw new Error('RabbitMQ still answers after "rabbitmqctl stop"');
}

/** Starts the broker if it does not answer; used to leave it running whatever a test did. */
export async function ensureBrokerRunning(timeoutMs = 90_000): Promise<void> {
  if (await amqpAnswers(2000)) return;
  await startBroker(timeoutMs);
}

export async function startBroker(timeoutMs = 90_000): Promise<void> {
  await run('rabbitmq-server', ['-detached'], { timeout: 30_000 }).catch((error: unknown) => {
    throw new Error(`could not start RabbitMQ with "rabbitmq-server -detached": ${describe(error)}`);
  });
  const until = Date.now() + timeoutMs;
  while (!(await amqpAnswers(1000))) {
    if (Date.now() > until) throw new Error(`RabbitMQ did not answer within ${timeoutMs} ms of "rabbitmq-server -detached"`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function describe(error: unknown): string {
  const failure = error as { message?: string; stderr?: string; stdout?: string };
  return [failure.message, failure.stderr, failure.stdout].filter(Boolean).join('\n').slice(0, 2000);
}
