/**
 * The job-queue capability: durable, at-least-once delivery of background jobs (agent runs,
 * later document ingestion). In-process by default; RabbitMQ when AMQP_URL is set. Both pass
 * one conformance suite.
 *
 * At least once means a handler may see the same job twice (a worker died after the work but
 * before the acknowledgement, the broker restarted): handlers must be safe to run twice, and
 * the job's id is what makes them so.
 */

export interface JobMessage<P = unknown> {
  /** Unique per job; the idempotency key handlers use. */
  id: string;
  /** Which handler runs it, e.g. `agent-run`: letters, digits, `.`, `_`, `-` (it names queues). */
  kind: string;
  payload: P;
  /** The W3C `traceparent` of the request that queued it, when tracing is on: its delivery joins that trace. */
  trace?: string;
}

export interface DeliveredJob<P = unknown> extends JobMessage<P> {
  /**
   * This delivery's number: 1 on the first, one more after each failed attempt and after each
   * delivery cut short by a crash (worker or connection died). A delivery handed back by a
   * graceful stop (its consumer closed: a deploy) does not count. At most `maxAttempts`
   * deliveries run; a job whose deliveries crashed that often is dead-lettered unrun.
   */
  attempt: number;
  /** True when a previous delivery was interrupted rather than failed: work may be half done. */
  redelivered: boolean;
}

/** A job that failed for good, as `deadLetters` lists it. */
export interface DeadLetter<P = unknown> extends DeliveredJob<P> {
  /** Why: the last error's message, or why the queue gave up on it. */
  error: string;
  /** When it was dead-lettered (ms since the epoch). */
  failedAt: number;
}

export interface JobContext {
  /**
   * Aborted when the consumer is closing (shutdown) or its connection to the broker was lost;
   * the job will be delivered again. A handler that then rejects is not counted as failed;
   * one that resolves anyway has finished the job and it is acknowledged.
   */
  signal: AbortSignal;
}

/**
 * Resolving acknowledges the job. Throwing fails this attempt: it is retried until
 * `maxAttempts`, then moved to the dead-letter queue. Throwing a `PermanentJobError`
 * dead-letters it at once.
 */
export type JobHandler<P = unknown> = (job: DeliveredJob<P>, context: JobContext) => Promise<void>;

export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface ConsumeOptions {
  /**
   * Jobs of this kind run at most this many at once in this consumer (RabbitMQ: its prefetch).
   * Default: the queue's own default (JOB_CONCURRENCY).
   */
  concurrency?: number;
}

export interface JobConsumer {
  /**
   * Stops taking jobs; running ones are aborted and will be delivered again. Resolves once
   * they have settled (or a grace period passed) and were handed back.
   */
  close(): Promise<void>;
}

/** Settings both adapters take. */
export interface JobQueueOptions {
  /** Deliveries a job gets before it is dead-lettered. Default 3. */
  maxAttempts?: number;
  /** Wait before the next attempt after failed attempt `attempt`. Default: 1 s doubling, at most 60 s. */
  retryDelayMs?: (attempt: number) => number;
  /** How long closing waits for aborted handlers to settle before handing their jobs back. Default 10 s. */
  closeGraceMs?: number;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'rabbitmq';
  /**
   * Resolves once the job is durably accepted (RabbitMQ: publisher confirm). While the broker is
   * away it waits (bounded) for the reconnect; it rejects with `AppError('QUEUE_UNAVAILABLE')`
   * when the job could not be accepted. The payload must survive JSON.
   */
  enqueue<P>(job: JobMessage<P>): Promise<void>;
  /** Resolves once the consumer is subscribed (RabbitMQ: or registered, while the broker is away). */
  consume<P>(kind: string, handler: JobHandler<P>, options?: ConsumeOptions): Promise<JobConsumer>;
  /** Jobs that failed for good, newest last (for inspection and tests): the last `limit` (100). */
  deadLetters(kind: string, limit?: number): Promise<DeadLetter[]>;
  /** A real round trip with a short timeout, for health. */
  probe(): Promise<{ status: 'healthy' | 'down'; latencyMs: number; detail: string; hint?: string }>;
  /** Closes every consumer (as `JobConsumer.close`), then the connection; enqueue rejects after. */
  close(): Promise<void>;
}
