/**
 * One AMQP connection that keeps itself up: it connects in the background, and when the
 * connection or its publishing channel drops (broker restart, network) it reconnects with
 * backoff and tells its owner, who declares the topology again and re-subscribes consumers.
 * Callers that need the broker wait for it, each with its own deadline.
 */
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { AppError } from '../../errors/catalogue.js';
import type { Logger } from '../../logger.js';
import { errorText } from './job-policy.js';
import { maskUrl } from '../../config/mask-url.js';

export interface LiveConnection {
  model: ChannelModel;
  /** The publishing channel, in confirm mode. */
  publisher: ConfirmChannel;
  /** Counts connections made; lets callers tell an old connection's channels from the new one's. */
  generation: number;
  isOpen(): boolean;
  /** Resolves when this connection is gone. */
  lost: Promise<void>;
}

export interface RabbitMqConnectionOptions {
  url: string;
  logger?: Logger;
  /** First wait before reconnecting, doubled each failure up to `maxDelayMs`. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  connectTimeoutMs?: number;
  /** Seconds; a broker that dies without closing the socket is noticed after about two of these. */
  heartbeatSeconds?: number;
  onConnected(live: LiveConnection): void;
  onLost(live: LiveConnection): void;
}

export interface RabbitMqConnection {
  current(): LiveConnection | undefined;
  /**
   * The live connection, waiting for one until `deadline` (ms since epoch); rejects with
   * QUEUE_UNAVAILABLE, naming `budgetMs` (the caller's whole allowance) as the time waited.
   */
  waitUntilConnected(deadline: number, budgetMs?: number): Promise<LiveConnection>;
  status(): { connected: boolean; lastError: string | undefined; serverVersion: string | undefined; connections: number };
  /** The URL without its password, for messages. */
  readonly safeUrl: string;
  close(): Promise<void>;
}

interface Waiter {
  resolve(live: LiveConnection): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function createRabbitMqConnection(options: RabbitMqConnectionOptions): RabbitMqConnection {
  const initialDelayMs = options.reconnect?.initialDelayMs ?? 200;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? 5000;
  const safeUrl = maskUrl(options.url);
  const connectUrl = withHeartbeat(options.url, options.heartbeatSeconds ?? 10);
  let live: LiveConnection | undefined;
  let generation = 0;
  let lastError: string | undefined;
  let serverVersion: string | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const waiters = new Set<Waiter>();
  let lastWarning = 0;

  function warn(object: object, message: string) {
    // A broker that stays away would otherwise log every backoff step.
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    options.logger?.warn(object, message);
  }

  async function connectOnce(): Promise<LiveConnection> {
    const model = await amqp.connect(connectUrl, { timeout: options.connectTimeoutMs ?? 5000, clientProperties: { connection_name: 'sutazai-jobs' } });
    let open = true;
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => {
      markLost = resolve;
    });
    const drop = (error?: Error) => {
      if (error) lastError = errorText(error);
      if (!open) return;
      open = false;
      markLost();
      model.close().catch(() => undefined);
    };
    model.on('error', (error: Error) => drop(error));
    model.on('close', (error?: Error) => drop(error ?? new Error('connection closed')));
    model.on('blocked', (reason: string) => options.logger?.warn({ broker: safeUrl, reason }, 'RabbitMQ blocks publishing (short of memory or disk); enqueue waits'));
    model.on('unblocked', () => options.logger?.info({ broker: safeUrl }, 'RabbitMQ accepts publishing again'));
    try {
      const publisher = await model.createConfirmChannel();
      publisher.on('error', (error: Error) => drop(error));
      publisher.on('close', () => drop(new Error('publishing channel closed')));
      const version = model.connection.serverProperties.version;
      serverVersion = typeof version === 'string' ? version : undefined;
      return { model, publisher, generation: ++generation, isOpen: () => open, lost };
    } catch (error) {
      drop(error as Error);
      throw error;
    }
  }

  async function run() {
    let delay = initialDelayMs;
    while (!closed) {
      try {
        const connection = await connectOnce();
        if (closed) {
          await connection.model.close().catch(() => undefined);
          return;
        }
        if (connection.generation > 1) options.logger?.info({ broker: safeUrl }, 'RabbitMQ: reconnected');
        live = connection;
        lastError = undefined;
        delay = initialDelayMs;
        for (const waiter of waiters) {
          clearTimeout(waiter.timer);
          waiter.resolve(connection);
        }
        waiters.clear();
        options.onConnected(connection);
        await connection.lost;
        live = undefined;
        options.onLost(connection);
        if (!closed) options.logger?.warn({ broker: safeUrl, reason: lastError }, 'RabbitMQ: connection lost; reconnecting');
      } catch (error) {
        lastError = errorText(error);
        warn({ broker: safeUrl, err: error }, 'RabbitMQ does not answer; retrying in the background');
      }
      if (closed) return;
      // Jitter keeps replicas from reconnecting in lock step after a broker restart.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay * (0.75 + Math.random() * 0.5));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }

  function unavailable(reason: string): AppError {
    return new AppError('QUEUE_UNAVAILABLE', `The job queue (RabbitMQ at ${safeUrl}) ${reason}${lastError ? `: ${lastError}` : ''}.`);
  }

  const running = run();

  return {
    safeUrl,
    current: () => (live?.isOpen() ? live : undefined),

    waitUntilConnected(deadline, budgetMs) {
      if (closed) return Promise.reject(unavailable('is closed'));
      if (live?.isOpen()) return Promise.resolve(live);
      const waitMs = Math.max(0, deadline - Date.now());
      return new Promise<LiveConnection>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(unavailable(`did not answer within ${budgetMs ?? waitMs} ms`));
          }, waitMs),
        };
        waiters.add(waiter);
      });
    },

    status: () => ({ connected: live?.isOpen() === true, lastError, serverVersion, connections: generation }),

    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(unavailable('is closed'));
      }
      waiters.clear();
      wake?.();
      const connection = live;
      if (connection) await connection.model.close().catch(() => undefined);
      await running;
    },
  };
}

function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}
