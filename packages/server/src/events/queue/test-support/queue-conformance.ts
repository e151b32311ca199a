/**
 * The job-queue conformance suite: the behaviour every JobQueue adapter promises, run against
 * each of them. Call inside a `describe`; each case opens its own queue and uses its own kind.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { PermanentJobError, type DeliveredJob, type JobContext, type JobQueue } from '../job-queue.js';

export interface QueueFixture {
  queue: JobQueue;
  /** Closes the queue (if the case did not) and removes what it left behind. */
  dispose(): Promise<void>;
}

export interface QueueSettings {
  maxAttempts: number;
  retryDelayMs: (attempt: number) => number;
  closeGraceMs: number;
}

export interface QueueConformanceOptions {
  createQueue(settings: QueueSettings): Promise<QueueFixture>;
  /** Per case; a broker needs more than memory. */
  timeoutMs?: number;
}

const settings: QueueSettings = { maxAttempts: 3, retryDelayMs: () => 30, closeGraceMs: 5000 };

export function runQueueConformance({ createQueue, timeoutMs = 20_000 }: QueueConformanceOptions): void {
  async function withQueue(body: (queue: JobQueue, kind: string) => Promise<void>, overrides: Partial<QueueSettings> = {}) {
    const fixture = await createQueue({ ...settings, ...overrides });
    try {
      await body(fixture.queue, uniqueKind());
    } finally {
      await fixture.dispose();
    }
  }

  it('delivers a job with its id, kind and payload as attempt 1, not redelivered', () => withQueue(async (queue, kind) => {
    const seen: DeliveredJob[] = [];
    await queue.consume(kind, async (job) => {
      seen.push(job);
    });
    await queue.enqueue({ id: 'job-1', kind, payload: { text: 'hello', n: 1, nested: [true, null] } });
    await waitFor(() => seen.length === 1, 'the job to be delivered');
    expect(seen[0]).toEqual({ id: 'job-1', kind, payload: { text: 'hello', n: 1, nested: [true, null] }, attempt: 1, redelivered: false });
    await sleep(150);
    expect(seen).toHaveLength(1);
  }), timeoutMs);

  it('delivers every one of many jobs once when all succeed, in whatever order', () => withQueue(async (queue, kind) => {
    const seen: string[] = [];
    await queue.consume(kind, async (job) => {
      await sleep(Math.random() * 5);
      seen.push(job.id);
    }, { concurrency: 4 });
    const ids = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    await Promise.all(ids.map((id) => queue.enqueue({ id, kind, payload: null })));
    await waitFor(() => seen.length >= ids.length, 'all 40 jobs to be handled');
    await sleep(150);
    expect([...seen].sort()).toEqual([...ids].sort());
  }), timeoutMs);

  it('never runs more jobs at once than the consumer\'s concurrency', () => withQueue(async (queue, kind) => {
    let active = 0;
    let most = 0;
    let done = 0;
    for (let i = 0; i < 12; i++) await queue.enqueue({ id: `job-${i}`, kind, payload: i });
    await queue.consume(kind, async () => {
      active++;
      most = Math.max(most, active);
      await sleep(40);
      active--;
      done++;
    }, { concurrency: 3 });
    await waitFor(() => done === 12, 'all 12 jobs to be handled');
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
  }), timeoutMs);

  it('shares the jobs of a kind between competing consumers', () => withQueue(async (queue, kind) => {
    const byConsumer = { a: 0, b: 0 };
    const slow = (name: 'a' | 'b') => async () => {
      await sleep(60);
      byConsumer[name]++;
    };
    await queue.consume(kind, slow('a'), { concurrency: 1 });
    await queue.consume(kind, slow('b'), { concurrency: 1 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => queue.enqueue({ id: `job-${i}`, kind, payload: i })));
    await waitFor(() => byConsumer.a + byConsumer.b === 6, 'all 6 jobs to be handled');
    expect(byConsumer.a).toBeGreaterThan(0);
    expect(byConsumer.b).toBeGreaterThan(0);
  }), timeoutMs);

  it('retries a failing job with a growing attempt and acknowledges it once it succeeds', () => withQueue(async (queue, kind) => {
    const attempts: { attempt: number; redelivered: boolean }[] = [];
    let succeeded = false;
    await queue.consume(kind, async (job) => {
      attempts.push({ attempt: job.attempt, redelivered: job.redelivered });
      if (job.attempt < 3) throw new Error(`transient failure ${job.attempt}`);
      succeeded = true;
    });
    await queue.enqueue({ id: 'flaky', kind, payload: { keep: 'me' } });
    await waitFor(() => succeeded, 'the third attempt to succeed');
    await sleep(200);
    expect(attempts).toEqual([{ attempt: 1, redelivered: false }, { attempt: 2, redelivered: false }, { attempt: 3, redelivered: false }]);
    expect(await queue.deadLetters(kind)).toEqual([]);
  }), timeoutMs);

  it('dead-letters a job that fails maxAttempts times, with its attempt count and last error', () => withQueue(async (queue, kind) => {
    let calls = 0;
    await queue.consume(kind, async (job) => {
      calls++;
      throw new Error(`boom on attempt ${job.attempt}`);
    });
    const before = Date.now();
    await queue.enqueue({ id: 'doomed', kind, payload: { n: 7 } });
    const letters = await waitForDeadLetters(queue, kind, 1);
    expect(letters[0]).toMatchObject({ id: 'doomed', kind, payload: { n: 7 }, attempt: 3 });
    expect(letters[0]!.error).toContain('boom on attempt 3');
    expect(letters[0]!.failedAt).toBeGreaterThanOrEqual(before - 1000);
    await sleep(200);
    expect(calls).toBe(3);
  }), timeoutMs);

  it('dead-letters a job at once when the handler throws a PermanentJobError', () => withQueue(async (queue, kind) => {
    let calls = 0;
    await queue.consume(kind, async () => {
      calls++;
      throw new PermanentJobError('the agent does not exist');
    });
    await queue.enqueue({ id: 'hopeless', kind, payload: null });
    const letters = await waitForDeadLetters(queue, kind, 1);
    expect(letters[0]).toMatchObject({ id: 'hopeless', kind, attempt: 1 });
    expect(letters[0]!.error).toContain('the agent does not exist');
    await sleep(200);
    expect(calls).toBe(1);
  }), timeoutMs);

  it('keeps jobs enqueued before any consumer exists until one subscribes', () => withQueue(async (queue, kind) => {
    await queue.enqueue({ id: 'early-1', kind, payload: 1 });
    await queue.enqueue({ id: 'early-2', kind, payload: 2 });
    await sleep(150);
    const seen: string[] = [];
    await queue.consume(kind, async (job) => {
      seen.push(job.id);
    });
    await waitFor(() => seen.length === 2, 'both early jobs to be delivered');
    expect(seen.sort()).toEqual(['early-1', 'early-2']);
  }), timeoutMs);

  it('aborts running handlers on close and delivers the job again to the next consumer', () => withQueue(async (queue, kind) => {
    const started = deferred<JobContext>();
    const first = await queue.consume(kind, (job, context) => {
      started.resolve(context);
      return new Promise<void>((_, reject) => {
        context.signal.addEventListener('abort', () => reject(context.signal.reason));
      });
    });
    await queue.enqueue({ id: 'long', kind, payload: 'work' });
    const firstContext = await started.promise;
    await first.close();
    expect(firstContext.signal.aborted).toBe(true);
    const again: DeliveredJob[] = [];
    await queue.consume(kind, async (job) => {
      again.push(job);
    });
    await waitFor(() => again.length === 1, 'the interrupted job to be delivered again');
    // Handed back by a graceful stop: marked redelivered, its attempt not counted.
    expect(again[0]).toMatchObject({ id: 'long', kind, payload: 'work', attempt: 1, redelivered: true });
    expect(await queue.deadLetters(kind)).toEqual([]);
  }), timeoutMs);

  it('acknowledges a job whose handler finished although it was asked to stop', () => withQueue(async (queue, kind) => {
    const started = deferred<void>();
    let calls = 0;
    const first = await queue.consume(kind, async () => {
      calls++;
      started.resolve();
      await sleep(100);
    });
    await queue.enqueue({ id: 'almost-done', kind, payload: null });
    await started.promise;
    await first.close();
    await queue.consume(kind, async () => {
      calls++;
    });
    await sleep(300);
    expect(calls).toBe(1);
  }), timeoutMs);

  it('does not count deliveries handed back by closing consumers (deploys): closed maxAttempts times, the job still runs', () => withQueue(async (queue, kind) => {
    const attempts: number[] = [];
    const interruptOnce = async () => {
      const started = deferred<void>();
      const consumer = await queue.consume(kind, (job, context) => {
        attempts.push(job.attempt);
        started.resolve();
        return new Promise<void>((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
      });
      return { consumer, started: started.promise };
    };
    const a = await interruptOnce();
    await queue.enqueue({ id: 'survives-deploys', kind, payload: null });
    await a.started;
    await a.consumer.close();
    const b = await interruptOnce();
    await b.started;
    await b.consumer.close();
    const finished: DeliveredJob[] = [];
    await queue.consume(kind, async (job) => {
      finished.push(job);
    });
    await waitFor(() => finished.length === 1, 'the job to run a third time');
    expect(attempts).toEqual([1, 1]);
    expect(finished[0]).toMatchObject({ id: 'survives-deploys', attempt: 1, redelivered: true });
    expect(await queue.deadLetters(kind)).toEqual([]);
  }, { maxAttempts: 2 }), timeoutMs);

  it('lists only the newest dead letters up to the limit, newest last', () => withQueue(async (queue, kind) => {
    await queue.consume(kind, async () => {
      throw new PermanentJobError('no');
    });
    for (const id of ['d1', 'd2', 'd3']) {
      await queue.enqueue({ id, kind, payload: null });
      await waitForDeadLetters(queue, kind, Number(id.slice(1)));
    }
    expect((await queue.deadLetters(kind, 2)).map((letter) => letter.id)).toEqual(['d2', 'd3']);
    expect((await queue.deadLetters(kind)).map((letter) => letter.id)).toEqual(['d1', 'd2', 'd3']);
  }), timeoutMs);

  it('refuses a job kind that cannot name a queue, and a job without an id', () => withQueue(async (queue) => {
    await expect(queue.enqueue({ id: 'x', kind: 'has space', payload: null })).rejects.toThrow(/kind "has space" is invalid/);
    await expect(queue.consume('', async () => undefined)).rejects.toThrow(/kind "" is invalid/);
    await expect(queue.enqueue({ id: '', kind: 'ok', payload: null })).rejects.toThrow(/id must be a non-empty string/);
  }), timeoutMs);

  it('answers its probe, and refuses jobs with QUEUE_UNAVAILABLE once closed', () => withQueue(async (queue, kind) => {
    const probe = await queue.probe();
    expect(probe.status).toBe('healthy');
    expect(probe.detail.length).toBeGreaterThan(0);
    await queue.close();
    await expect(queue.enqueue({ id: 'late', kind, payload: null })).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  }), timeoutMs);
}

export function uniqueKind(): string {
  return `conformance-${randomBytes(4).toString('hex')}`;
}

export async function waitForDeadLetters(queue: JobQueue, kind: string, count: number, timeoutMs = 10_000) {
  let letters = await queue.deadLetters(kind);
  const until = Date.now() + timeoutMs;
  while (letters.length < count) {
    if (Date.now() > until) throw new Error(`expected ${count} dead letters of ${kind} within ${timeoutMs} ms, found ${letters.length}`);
    await sleep(50);
    letters = await queue.deadLetters(kind);
  }
  return letters;
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
