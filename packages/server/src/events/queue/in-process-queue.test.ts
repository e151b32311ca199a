import { describe, expect, it } from 'vitest';
import { createInProcessQueue } from './in-process-queue.js';
import { defaultRetryDelayMs } from './job-policy.js';
import { runQueueConformance } from './test-support/queue-conformance.js';

describe('in-process job queue', () => {
  runQueueConformance({
    createQueue: async (settings) => {
      const queue = createInProcessQueue(settings);
      return { queue, dispose: () => queue.close() };
    },
    timeoutMs: 10_000,
  });

  it('waits 1 s, 2 s, 4 s ... at most 60 s between attempts by default', () => {
    expect([1, 2, 3, 7, 20].map(defaultRetryDelayMs)).toEqual([1000, 2000, 4000, 60_000, 60_000]);
  });

  it('reports itself healthy as in-process', async () => {
    const queue = createInProcessQueue();
    expect(queue.kind).toBe('in-process');
    expect(await queue.probe()).toMatchObject({ status: 'healthy', detail: expect.stringContaining('in-process') });
    await queue.close();
  });
});
