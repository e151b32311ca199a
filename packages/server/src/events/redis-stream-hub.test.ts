/**
 * What only the Redis hub has to show, on the real Redis (keys under a prefix of this run): a
 * generating replica that dies, Redis going away under a replica and coming back, and keys
 * that do not outlive their stream.
 */
import type { ChatStreamEvent } from '@sutazai/contracts';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStreamHub, type RedisStreamHubOptions } from './redis-stream-hub.js';
import type { StoredStreamEvent, StreamHub } from './stream-hub.js';
import { connectTestRedis, deleteKeys, redisTestUrl, uniqueRedisPrefix } from './test-support/redis-fixture.js';
import { sleep, waitFor } from './test-support/stream-hub-conformance.js';
import { startTcpProxy, type TcpProxy } from './test-support/tcp-proxy.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };
const delta = (text: string): ChatStreamEvent => ({ type: 'text-delta', text });
const noHandlers = { onStop() {}, onAbandoned() {} };

describe('Redis stream hub', () => {
  const prefix = uniqueRedisPrefix();
  const cleanUp: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanUp.splice(0).reverse()) await step();
  });
  afterAll(() => deleteKeys(prefix));

  async function replica(overrides: Partial<RedisStreamHubOptions> = {}, url = redisTestUrl): Promise<{ hub: StreamHub; redis: Redis }> {
    const redis = await connectTestRedis(url);
    const hub = createRedisStreamHub({ redis, prefix, resumeWindowMs: 10_000, retainMs: 20_000, heartbeatMs: 50, logger: silent, ...overrides });
    cleanUp.push(() => redis.disconnect(), () => hub.close());
    return { hub, redis };
  }

  it('ends a stream as interrupted at its last offset when its replica stops heart-beating, for followers and later resumes', async () => {
    const generator = await replica({ replicaTtlMs: 300 });
    const other = await replica();
    const publisher = generator.hub.open('lost-1', 'alice', noHandlers);
    publisher.publish(delta('Hello'), 5);
    publisher.publish(delta(' world'), 11);
    await sleep(100);
    const seen: StoredStreamEvent[] = [];
    await other.hub.subscribe('lost-1', 'alice', undefined, (e) => seen.push(e));
    // The process dies: no end, no more heartbeats.
    generator.hub.close();
    await waitFor(() => seen.length === 3, 'the end of the stream', 3000);
    expect(seen[2]).toMatchObject({ seq: 2, offset: 11, event: { type: 'message-end', message_id: 'lost-1', status: 'interrupted', finish_reason: 'REPLICA_LOST' } });

    const third = await replica();
    const replayed: number[] = [];
    expect(await third.hub.subscribe('lost-1', 'alice', 0, (e) => replayed.push(e.seq))).toMatchObject({ ended: true });
    expect(replayed).toEqual([1, 2]);
    expect(await third.hub.stop('lost-1', 'alice')).toBe(false);
  });

  it('ends a dead replica\'s stream on the first resume after it died, with nobody following it before', async () => {
    const generator = await replica({ replicaTtlMs: 200 });
    generator.hub.open('lost-2', 'alice', noHandlers).publish(delta('Half a'), 6);
    await sleep(100);
    generator.hub.close();
    await sleep(300);
    const other = await replica();
    const seen: ChatStreamEvent[] = [];
    expect(await other.hub.subscribe('lost-2', 'alice', undefined, (e) => seen.push(e.event))).toMatchObject({ ended: true });
    expect(seen.map((e) => e.type)).toEqual(['text-delta', 'message-end']);
  });

  it('writes what was published while Redis was away once it is back, in order, and a follower gets each event once', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: new URL(redisTestUrl).hostname, port: Number(new URL(redisTestUrl).port || 6379) });
    cleanUp.push(() => proxy.close());
    const generator = await replica({}, `redis://127.0.0.1:${proxy.port}`);
    const other = await replica();
    const publisher = generator.hub.open('away-1', 'alice', noHandlers);
    publisher.publish(delta('0'), 1);
    await sleep(100);
    const remote: number[] = [];
    const local: number[] = [];
    await other.hub.subscribe('away-1', 'alice', undefined, (e) => remote.push(e.seq));
    await generator.hub.subscribe('away-1', 'alice', undefined, (e) => local.push(e.seq));
    proxy.cut();
    for (let i = 1; i <= 50; i++) {
      publisher.publish(delta(String(i)), i + 1);
      await sleep(5);
    }
    // The generating replica's own clients never notice.
    expect(local).toHaveLength(51);
    expect(remote.length).toBeLessThan(51);
    proxy.restore();
    publisher.end();
    await waitFor(() => remote.length === 51, 'the follower to catch up', 10_000);
    expect(remote).toEqual(Array.from({ length: 51 }, (_, i) => i));
  }, 20_000);

  it('waits briefly on a resume for a stream whose first write has not reached Redis yet', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: new URL(redisTestUrl).hostname, port: Number(new URL(redisTestUrl).port || 6379) });
    cleanUp.push(() => proxy.close());
    const generator = await replica({}, `redis://127.0.0.1:${proxy.port}`);
    const other = await replica();
    proxy.cut();
    const publisher = generator.hub.open('late-1', 'alice', noHandlers);
    publisher.publish(delta('a'), 1);
    publisher.publish(delta('b'), 2);
    setTimeout(() => proxy.restore(), 300);
    const seen: number[] = [];
    // The client saw event 0 on the generating replica and comes back here at once.
    expect(await other.hub.subscribe('late-1', 'alice', 0, (e) => seen.push(e.seq))).toMatchObject({ ended: false });
    expect(seen).toEqual([1]);
    // Without a position it is not waited for: an unknown stream answers at once.
    const started = Date.now();
    expect(await other.hub.subscribe('never-opened', 'alice', undefined, () => {})).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('gives an ended stream\'s keys the retention time to live, and leaves none without one', async () => {
    const generator = await replica({ retainMs: 5000 });
    const publisher = generator.hub.open('ttl-1', 'alice', noHandlers);
    publisher.publish(delta('x'), 1);
    publisher.end();
    await sleep(100);
    const keys = await generator.redis.keys(`${prefix}stream:ttl-1*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      const ttl = await generator.redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5000);
    }
  });
});
