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
  /** Which handler runs it, e.g. `agent-run`. */
  kind: string;
  payload: P;
}

export interface DeliveredJob<P = unknown> extends JobMessage<P> {
  /** 1 on the first delivery; more after a failure or a redelivery. */
  attempt: number;
  /** True when the queue knows this job was delivered before (a worker or connection died). */
  redelivered: boolean;
}

export interface JobContext {
  /** Aborted when the consumer is closing (shutdown); the job will be delivered again. */
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
  /** Jobs of this kind run at most this many at once in this process. */
  concurrency?: number;
}

export interface JobConsumer {
  /** Stops taking jobs; running ones are aborted and will be delivered again. */
  close(): Promise<void>;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'rabbitmq';
  /** Resolves once the job is durably accepted (RabbitMQ: publisher confirm). */
  enqueue<P>(job: JobMessage<P>): Promise<void>;
  consume<P>(kind: string, handler: JobHandler<P>, options?: ConsumeOptions): Promise<JobConsumer>;
  /** Jobs that failed for good, newest last (for inspection and tests). */
  deadLetters(kind: string, limit?: number): Promise<DeliveredJob[]>;
  /** A real round trip with a short timeout, for health. */
  probe(): Promise<{ status: 'healthy' | 'down'; latencyMs: number; detail: string; hint?: string }>;
  close(): Promise<void>;
}
