/** The stream-hub conformance suite on both adapters: in-process, and Redis (the real server, keys under a prefix of this run). */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessStreamHub } from './in-process-stream-hub.js';
import { createRedisStreamHub } from './redis-stream-hub.js';
import { connectTestRedis, deleteKeys, uniqueRedisPrefix } from './test-support/redis-fixture.js';
import { runStreamHubConformance } from './test-support/stream-hub-conformance.js';
import { textOfEvents } from './stream-hub.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

describe('in-process stream hub', () => {
  runStreamHubConformance({
    createReplicas: async ({ resumeWindowMs }) => {
      const hub = createInProcessStreamHub({ resumeWindowMs });
      return { generator: hub, other: hub, dispose: async () => hub.close() };
    },
    deliveryMs: 0,
    abandonSlackMs: 0,
  });
});

describe('Redis stream hub', () => {
  const prefix = uniqueRedisPrefix();
  afterAll(() => deleteKeys(prefix));

  runStreamHubConformance({
    createReplicas: async ({ resumeWindowMs }) => {
      // Two replicas: each its own connections, as two processes have.
      const connections: Redis[] = [await connectTestRedis(), await connectTestRedis()];
      const [generator, other] = connections.map((redis) => createRedisStreamHub({ redis, prefix, resumeWindowMs, retainMs: 30_000, heartbeatMs: 50, logger: silent }));
      return {
        generator: generator!,
        other: other!,
        async dispose() {
          generator!.close();
          other!.close();
          for (const redis of connections) redis.disconnect();
        },
      };
    },
    deliveryMs: 100,
    abandonSlackMs: 150,
  });
});

describe('textOfEvents', () => {
  it('joins the text-deltas and says where they start when older events were trimmed', () => {
    const events = [
      { seq: 7, offset: 40, event: { type: 'tool-result', call_id: 'c', tool: 't', content: 'x', is_error: false } },
      { seq: 8, offset: 45, event: { type: 'text-delta', text: 'hello' } },
      { seq: 9, offset: 51, event: { type: 'text-delta', text: ' world' } },
    ] as const;
    expect(textOfEvents(events)).toEqual({ from: 40, text: 'hello world' });
    expect(textOfEvents(events.slice(0, 1))).toBeUndefined();
  });
});
