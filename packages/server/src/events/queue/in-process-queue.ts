/**
 * The embedded job queue: in memory, for one process. Same rules as the RabbitMQ adapter
 * (retries with backoff, dead letters, redelivery of interrupted jobs), but nothing survives
 * the process: jobs waiting or running when it stops are gone.
 */
import { AppError } from '../../errors/catalogue.js';
import {
  DEFAULT_CLOSE_GRACE_MS, DEFAULT_MAX_ATTEMPTS, defaultRetryDelayMs, encodeJob, exhaustedReason, failureVerdict, settledWithin, assertJobKind,
} from './job-policy.js';
import type { ConsumeOptions, DeadLetter, DeliveredJob, JobConsumer, JobHandler, JobMessage, JobQueue, JobQueueOptions } from './job-queue.js';

export interface InProcessQueueOptions extends JobQueueOptions {
  /** Concurrency of a consumer that names none. Default 1. */
  concurrency?: number;
  /** Dead letters kept per kind (oldest dropped first). Default 1000. */
  deadLetterLimit?: number;
}

interface Entry {
  /** The job as JSON: every delivery gets its own copy, as from a broker. */
  text: string;
  attempt: number;
  redelivered: boolean;
}

interface Running {
  entry: Entry;
  controller: AbortController;
  settled: Promise<void>;
  /** Closing gave up waiting and handed the job back; whatever the handler does later is ignored. */
  handedBack: boolean;
}

interface Consumer {
  handler: JobHandler;
  concurrency: number;
  running: Set<Running>;
  closing?: Promise<void>;
}

interface KindState {
  waiting: Entry[];
  consumers: Consumer[];
  /** Round-robin position among consumers. */
  turn: number;
  dead: DeadLetter[];
}

export function createInProcessQueue(options: InProcessQueueOptions = {}): JobQueue {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const defaultConcurrency = options.concurrency ?? 1;
  const deadLetterLimit = options.deadLetterLimit ?? 1000;
  const kinds = new Map<string, KindState>();
  const retryTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  function stateOf(kind: string): KindState {
    let state = kinds.get(kind);
    if (!state) {
      state = { waiting: [], consumers: [], turn: 0, dead: [] };
      kinds.set(kind, state);
    }
    return state;
  }

  function nextConsumer(state: KindState): Consumer | undefined {
    for (let i = 0; i < state.consumers.length; i++) {
      const consumer = state.consumers[(state.turn + i) % state.consumers.length]!;
      if (consumer.running.size < consumer.concurrency) {
        state.turn = (state.turn + i + 1) % state.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  function dispatch(kind: string) {
    if (closed) return;
    const state = stateOf(kind);
    while (state.waiting.length > 0) {
      const consumer = nextConsumer(state);
      if (!consumer) return;
      const entry = state.waiting.shift()!;
      const exhausted = exhaustedReason(entry.attempt, maxAttempts);
      if (exhausted) deadLetter(kind, entry, exhausted);
      else start(kind, consumer, entry);
    }
  }

  function start(kind: string, consumer: Consumer, entry: Entry) {
    const controller = new AbortController();
    const job: DeliveredJob = { ...(JSON.parse(entry.text) as JobMessage), attempt: entry.attempt, redelivered: entry.redelivered };
    const running: Running = { entry, controller, handedBack: false, settled: Promise.resolve() };
    consumer.running.add(running);
    running.settled = Promise.resolve()
      .then(() => consumer.handler(job, { signal: controller.signal }))
      .then(() => ({ ok: true as const }), (error: unknown) => ({ ok: false as const, error }))
      .then((result) => {
        consumer.running.delete(running);
        if (running.handedBack) return;
        if (!result.ok) {
          if (controller.signal.aborted) handBack(kind, entry);
          else fail(kind, entry, result.error);
        }
        dispatch(kind);
      });
  }

  function fail(kind: string, entry: Entry, error: unknown) {
    const verdict = failureVerdict(error, entry.attempt, maxAttempts, retryDelayMs);
    if (verdict.action === 'dead-letter') {
      deadLetter(kind, entry, verdict.reason);
      return;
    }
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      if (closed) return;
      stateOf(kind).waiting.push({ text: entry.text, attempt: entry.attempt + 1, redelivered: false });
      dispatch(kind);
    }, verdict.delayMs);
    timer.unref();
    retryTimers.add(timer);
  }

  /** A delivery given back by a closing consumer goes back to the front (it was next before), its attempt not counted. */
  function handBack(kind: string, entry: Entry) {
    if (closed) return;
    stateOf(kind).waiting.unshift({ text: entry.text, attempt: entry.attempt, redelivered: true });
  }

  function deadLetter(kind: string, entry: Entry, reason: string) {
    const dead = stateOf(kind).dead;
    dead.push({ ...(JSON.parse(entry.text) as JobMessage), attempt: entry.attempt, redelivered: entry.redelivered, error: reason, failedAt: Date.now() });
    if (dead.length > deadLetterLimit) dead.splice(0, dead.length - deadLetterLimit);
  }

  async function closeConsumer(kind: string, consumer: Consumer): Promise<void> {
    const state = stateOf(kind);
    state.consumers = state.consumers.filter((c) => c !== consumer);
    const running = [...consumer.running];
    for (const job of running) job.controller.abort(new DOMException('The job consumer is closing; the job will be delivered again.', 'AbortError'));
    const inTime = await settledWithin(Promise.all(running.map((job) => job.settled)), closeGraceMs);
    if (!inTime) {
      for (const job of consumer.running) {
        job.handedBack = true;
        handBack(kind, job.entry);
      }
      consumer.running.clear();
    }
    dispatch(kind);
  }

  return {
    kind: 'in-process',

    async enqueue(job) {
      const text = encodeJob(job);
      if (closed) throw new AppError('QUEUE_UNAVAILABLE', 'The job queue is closed.');
      stateOf(job.kind).waiting.push({ text, attempt: 1, redelivered: false });
      dispatch(job.kind);
    },

    async consume<P>(kind: string, handler: JobHandler<P>, consumeOptions: ConsumeOptions = {}): Promise<JobConsumer> {
      assertJobKind(kind);
      if (closed) throw new AppError('QUEUE_UNAVAILABLE', 'The job queue is closed.');
      const consumer: Consumer = { handler: handler as JobHandler, concurrency: Math.max(1, consumeOptions.concurrency ?? defaultConcurrency), running: new Set() };
      stateOf(kind).consumers.push(consumer);
      dispatch(kind);
      return {
        close() {
          consumer.closing ??= closeConsumer(kind, consumer);
          return consumer.closing;
        },
      };
    },

    async deadLetters(kind, limit = 100) {
      return stateOf(kind).dead.slice(-limit).map((letter) => ({ ...letter }));
    },

    async probe() {
      let waiting = 0;
      let running = 0;
      let dead = 0;
      for (const state of kinds.values()) {
        waiting += state.waiting.length;
        dead += state.dead.length;
        for (const consumer of state.consumers) running += consumer.running.size;
      }
      if (closed) return { status: 'down', latencyMs: 0, detail: 'in-process queue closed' };
      return { status: 'healthy', latencyMs: 0, detail: `in-process: ${waiting} waiting, ${running} running, ${dead} dead-lettered (jobs do not survive a restart; set AMQP_URL for that)` };
    },

    async close() {
      if (closed) return;
      // Jobs still waiting, and those the closing consumers hand back, are dropped: nothing is kept.
      closed = true;
      const closing: Promise<void>[] = [];
      for (const [kind, state] of kinds) {
        for (const consumer of state.consumers) {
          consumer.closing ??= closeConsumer(kind, consumer);
          closing.push(consumer.closing);
        }
      }
      await Promise.all(closing);
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
    },
  };
}
