/**
 * The rules both queue adapters share, so they cannot drift apart: what a valid job is, how
 * long to wait before a retry, and when a job is given up on.
 */
import { PermanentJobError, type JobMessage } from './job-queue.js';

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_CLOSE_GRACE_MS = 10_000;

/** 1 s, 2 s, 4 s, ... at most 60 s. */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

const KIND_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Kinds name RabbitMQ queues, so both adapters accept only what makes a clean queue name. */
export function assertJobKind(kind: string): void {
  if (!KIND_PATTERN.test(kind)) {
    throw new TypeError(`Job kind ${JSON.stringify(kind)} is invalid: use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit.`);
  }
}

/** Checks a job and returns its wire form; the in-process queue uses it too, so a payload that does not survive JSON fails in both. */
export function encodeJob(job: JobMessage): string {
  assertJobKind(job.kind);
  if (typeof job.id !== 'string' || job.id.length === 0 || job.id.length > 200) {
    throw new TypeError('Job id must be a non-empty string of at most 200 characters.');
  }
  return JSON.stringify({ id: job.id, kind: job.kind, payload: job.payload ?? null, ...(job.trace === undefined ? {} : { trace: job.trace }) });
}

export function decodeJob(text: string): JobMessage {
  const value = JSON.parse(text) as Partial<JobMessage>;
  if (typeof value !== 'object' || value === null || typeof value.id !== 'string' || typeof value.kind !== 'string') {
    throw new TypeError('not a job: it needs a string id and kind');
  }
  return { id: value.id, kind: value.kind, payload: value.payload, ...(typeof value.trace === 'string' ? { trace: value.trace } : {}) };
}

export type FailureVerdict = { action: 'retry'; delayMs: number } | { action: 'dead-letter'; reason: string };

/** What happens after a handler threw on delivery `attempt`. */
export function failureVerdict(error: unknown, attempt: number, maxAttempts: number, retryDelayMs: (attempt: number) => number): FailureVerdict {
  if (error instanceof PermanentJobError) return { action: 'dead-letter', reason: `permanent error: ${errorText(error)}` };
  if (attempt >= maxAttempts) return { action: 'dead-letter', reason: `failed ${attempt} of ${maxAttempts} attempts; last error: ${errorText(error)}` };
  return { action: 'retry', delayMs: Math.max(0, Math.round(retryDelayMs(attempt))) };
}

/** A delivery past the limit can only come from interrupted deliveries (a job that kills its worker, say): it is not run again. */
export function exhaustedReason(attempt: number, maxAttempts: number): string | undefined {
  return attempt > maxAttempts ? `delivered ${attempt - 1} times without finishing (its consumers closed or died each time); limit ${maxAttempts}` : undefined;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Waits for `promise`, at most `ms`; true when it settled in time. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
