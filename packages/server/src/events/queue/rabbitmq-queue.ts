/**
 * The scale-out job queue on RabbitMQ (AMQP 0-9-1, amqplib): durable quorum queues,
 * persistent messages, publisher confirms, manual acknowledgement, retries through a TTL
 * queue, a dead-letter queue, and a connection that comes back by itself after a broker
 * restart. Topology per kind is in `rabbitmq-topology.ts`, consumers in `rabbitmq-consumer.ts`.
 */
import type { Message } from 'amqplib';
import { AppError } from '../../errors/catalogue.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_CLOSE_GRACE_MS, DEFAULT_MAX_ATTEMPTS, assertJobKind, defaultRetryDelayMs, encodeJob, errorText } from './job-policy.js';
import type { ConsumeOptions, DeadLetter, JobConsumer, JobHandler, JobQueue, JobQueueOptions } from './job-queue.js';
import { createRabbitMqConnection, type LiveConnection } from './rabbitmq-connection.js';
import { createRabbitMqConsumer, type PublishProperties, type RabbitMqConsumer } from './rabbitmq-consumer.js';
import { declareKind, queuesFor, readDeadLetter } from './rabbitmq-topology.js';

export interface RabbitMqQueueOptions extends JobQueueOptions {
  /** amqp://user:password@host:5672/vhost */
  url: string;
  /** Start of every queue name. Default `sutazai.jobs`; tests use a unique one per run. */
  prefix?: string;
  /** Concurrency (= prefetch) of a consumer that names none. Default 1. */
  prefetch?: number;
  /** How long enqueue (and moving a failed job) waits for the broker, reconnects included. Default 10 s. */
  enqueueTimeoutMs?: number;
  /** Default 2 s. */
  probeTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  heartbeatSeconds?: number;
  logger?: Logger;
}

const HINT = 'Check AMQP_URL and that RabbitMQ runs (rabbitmq-server -detached; rabbitmq-diagnostics ping).';

class NackedError extends Error {}
class ReturnedError extends Error {}
class UnconfirmedError extends Error {}

async function withinDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnconfirmedError('no publisher confirm in time')), Math.max(0, deadline - Date.now()));
    })]);
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined);
  }
}

interface PendingPublish {
  queue: string;
  messageId: string;
  returned: boolean;
}

/** Connects in the background: a broker that is away delays jobs, it does not stop the server. */
export function createRabbitMqQueue(options: RabbitMqQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'sutazai.jobs';
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const enqueueTimeoutMs = options.enqueueTimeoutMs ?? 10_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  const defaultConcurrency = options.prefetch ?? 1;
  const logger = options.logger;
  const knownKinds = new Set<string>();
  const consumers = new Set<RabbitMqConsumer>();
  const declared = new WeakMap<LiveConnection, Map<string, Promise<void>>>();
  const pendingPublishes = new WeakMap<LiveConnection, PendingPublish[]>();
  let closed = false;

  const connection = createRabbitMqConnection({
    url: options.url,
    logger,
    reconnect: options.reconnect,
    heartbeatSeconds: options.heartbeatSeconds,
    onConnected(live) {
      for (const kind of knownKinds) void ensureDeclared(live, kind).catch(() => undefined);
      for (const consumer of consumers) void consumer.attach(live);
    },
    onLost(live) {
      for (const consumer of consumers) consumer.detach(live);
    },
  });

  /** Declared once per kind per connection, on a channel of its own: a refusal must not close the publishing channel. */
  function ensureDeclared(live: LiveConnection, kind: string): Promise<void> {
    let kinds = declared.get(live);
    if (!kinds) declared.set(live, (kinds = new Map()));
    let declaring = kinds.get(kind);
    if (!declaring) {
      declaring = (async () => {
        const channel = await live.model.createChannel();
        channel.on('error', () => undefined);
        try {
          await declareKind(channel, queuesFor(prefix, kind));
        } finally {
          await channel.close().catch(() => undefined);
        }
      })();
      declaring.catch(() => kinds.delete(kind));
      kinds.set(kind, declaring);
    }
    return declaring;
  }

  function pendingOf(live: LiveConnection): PendingPublish[] {
    let pending = pendingPublishes.get(live);
    if (!pending) {
      const list: PendingPublish[] = [];
      pending = list;
      pendingPublishes.set(live, list);
      // A return (no queue to route to) arrives before the confirm of the same message.
      live.publisher.on('return', (message: Message) => {
        const match = list.find((p) => !p.returned && p.queue === message.fields.routingKey && p.messageId === message.properties.messageId);
        if (match) match.returned = true;
      });
    }
    return pending;
  }

  function sendConfirmed(live: LiveConnection, queue: string, content: Buffer, properties: PublishProperties): Promise<void> {
    const pending = pendingOf(live);
    const record: PendingPublish = { queue, messageId: properties.messageId, returned: false };
    pending.push(record);
    return new Promise<void>((resolve, reject) => {
      const done = (error: unknown) => {
        const index = pending.indexOf(record);
        if (index >= 0) pending.splice(index, 1);
        if (error) reject(error instanceof Error && error.message === 'message nacked' ? new NackedError('RabbitMQ refused the job (nack)') : error);
        else if (record.returned) reject(new ReturnedError(`RabbitMQ had no queue ${queue} for the job`));
        else resolve();
      };
      try {
        live.publisher.sendToQueue(queue, content, {
          persistent: true, mandatory: true, contentType: 'application/json', timestamp: Math.floor(Date.now() / 1000), ...properties,
        }, done);
      } catch (error) {
        done(error);
      }
    });
  }

  /**
   * At least once: when the connection drops before the confirm, whether the broker kept the
   * message is unknown, so it is published again on the next connection (handlers are
   * idempotent by job id). A nack is the broker's refusal and fails at once.
   */
  async function publish(kind: string, queue: string, content: Buffer, properties: PublishProperties): Promise<void> {
    const deadline = Date.now() + enqueueTimeoutMs;
    for (;;) {
      const live = await connection.waitUntilConnected(deadline, enqueueTimeoutMs);
      try {
        await ensureDeclared(live, kind);
        await withinDeadline(sendConfirmed(live, queue, content, properties), deadline);
        return;
      } catch (error) {
        if (error instanceof NackedError) throw new AppError('QUEUE_UNAVAILABLE', `${error.message}.`, { cause: error });
        if (error instanceof UnconfirmedError) {
          // Sent but not confirmed (a broker short of memory or disk blocks publishers): it may still arrive.
          throw new AppError('QUEUE_UNAVAILABLE', `RabbitMQ at ${connection.safeUrl} did not confirm the job within ${enqueueTimeoutMs} ms; it may still run.`, { cause: error });
        }
        const code = (error as { code?: unknown }).code;
        if (code === 403 || code === 406) {
          throw new AppError('QUEUE_UNAVAILABLE', `RabbitMQ refused the job's queues: ${errorText(error)}.`, { cause: error, hint: 'A queue of that name exists with other settings, or the user may not use it: delete it or choose another prefix.' });
        }
        if (error instanceof ReturnedError) declared.get(live)?.delete(kind);
        if (Date.now() >= deadline) throw new AppError('QUEUE_UNAVAILABLE', `The job queue could not publish to RabbitMQ at ${connection.safeUrl} within ${enqueueTimeoutMs} ms: ${errorText(error)}.`, { cause: error });
        // Let the close events of a dying connection arrive before trying again.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  function unavailableIfClosed() {
    if (closed) throw new AppError('QUEUE_UNAVAILABLE', 'The job queue is closed.');
  }

  return {
    kind: 'rabbitmq',

    async enqueue(job) {
      const text = encodeJob(job);
      unavailableIfClosed();
      knownKinds.add(job.kind);
      await publish(job.kind, queuesFor(prefix, job.kind).work, Buffer.from(text), { messageId: job.id, type: job.kind, headers: { 'x-attempt': 1 } });
    },

    async consume<P>(kind: string, handler: JobHandler<P>, consumeOptions: ConsumeOptions = {}): Promise<JobConsumer> {
      assertJobKind(kind);
      unavailableIfClosed();
      knownKinds.add(kind);
      const queues = queuesFor(prefix, kind);
      const consumer = createRabbitMqConsumer({
        queues, maxAttempts, retryDelayMs, closeGraceMs, logger,
        publish: (queue, content, properties) => publish(kind, queue, content, properties),
        current: () => connection.current(),
      }, handler as JobHandler, Math.max(1, consumeOptions.concurrency ?? defaultConcurrency));
      consumers.add(consumer);
      const live = connection.current();
      if (live) await consumer.attach(live);
      return {
        async close() {
          consumers.delete(consumer);
          await consumer.close();
        },
      };
    },

    async deadLetters(kind, limit = 100) {
      assertJobKind(kind);
      unavailableIfClosed();
      const live = await connection.waitUntilConnected(Date.now() + enqueueTimeoutMs, enqueueTimeoutMs);
      const channel = await live.model.createChannel();
      channel.on('error', () => undefined);
      const queues = queuesFor(prefix, kind);
      try {
        await declareKind(channel, queues);
        const letters: DeadLetter[] = [];
        // Read without taking: the messages stay unacknowledged and go back in place when the channel closes.
        for (let scanned = 0; scanned < 10_000; scanned++) {
          const message = await channel.get(queues.dead, { noAck: false });
          if (message === false) break;
          letters.push(readDeadLetter(message, kind));
        }
        return letters.slice(-limit);
      } finally {
        await channel.close().catch(() => undefined);
      }
    },

    async probe() {
      const started = performance.now();
      // Just started, or reconnecting: give the connection the probe's time before calling it down.
      const live = connection.current() ?? await connection.waitUntilConnected(Date.now() + probeTimeoutMs).catch(() => undefined);
      const status = connection.status();
      if (!live) {
        return { status: 'down', latencyMs: performance.now() - started, detail: `not connected to ${connection.safeUrl}${status.lastError ? `: ${status.lastError}` : ''}`, hint: HINT };
      }
      let timer: NodeJS.Timeout | undefined;
      const roundTrip = (async () => {
        const channel = await live.model.createChannel();
        channel.on('error', () => undefined);
        try {
          const counts: string[] = [];
          for (const kind of [...knownKinds].slice(0, 5)) {
            const queues = queuesFor(prefix, kind);
            const work = await channel.checkQueue(queues.work);
            const dead = await channel.checkQueue(queues.dead);
            counts.push(`${kind}: ${work.messageCount} ready, ${work.consumerCount} consumers, ${dead.messageCount} dead`);
          }
          if (counts.length === 0) await channel.checkExchange('amq.direct');
          return counts;
        } finally {
          await channel.close().catch(() => undefined);
        }
      })();
      try {
        const counts = await Promise.race([roundTrip, new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
        })]);
        const version = status.serverVersion ? `RabbitMQ ${status.serverVersion}` : 'RabbitMQ';
        return { status: 'healthy', latencyMs: performance.now() - started, detail: [`${version} at ${new URL(connection.safeUrl).host}`, ...counts].join('; ') };
      } catch (error) {
        roundTrip.catch(() => undefined);
        return { status: 'down', latencyMs: performance.now() - started, detail: `RabbitMQ at ${connection.safeUrl}: ${errorText(error)}`, hint: HINT };
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      await connection.close();
    },
  };
}
