import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisWindowLimiter } from './redis-window-limiter.js';
import { createInMemoryWindowLimiter, type WindowLimiter } from './window-limiter.js';

const redisURL = process.env.SUTAZAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisURL, { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

/** The same cases for every limiter: in memory and on the real Redis. */
const limiters: [string, () => Promise<WindowLimiter>][] = [
  ['in memory', async () => createInMemoryWindowLimiter()],
  ['Redis', async () => {
    if (redis.status === 'wait') await redis.connect();
    return createRedisWindowLimiter(redis, { prefix: `sutazai:test:${randomUUID()}:` });
  }],
];

describe.each(limiters)('window limiter (%s)', (_name, make) => {
  it('allows up to the limit in a window, then refuses with the seconds left', async () => {
    const limiter = await make();
    for (let i = 1; i <= 3; i++) expect(await limiter.hit('k', 3, 60_000)).toMatchObject({ allowed: true, remaining: 3 - i });
    const refused = await limiter.hit('k', 3, 60_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(50);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts keys apart', async () => {
    const limiter = await make();
    await limiter.hit('a', 1, 60_000);
    expect((await limiter.hit('a', 1, 60_000)).allowed).toBe(false);
    expect((await limiter.hit('b', 1, 60_000)).allowed).toBe(true);
  });

  it('peeks without counting, and reset clears', async () => {
    const limiter = await make();
    expect((await limiter.peek('p', 1, 60_000)).allowed).toBe(true);
    expect((await limiter.peek('p', 1, 60_000)).allowed).toBe(true);
    await limiter.hit('p', 1, 60_000);
    expect((await limiter.peek('p', 1, 60_000)).allowed).toBe(false);
    await limiter.reset('p');
    expect((await limiter.peek('p', 1, 60_000)).allowed).toBe(true);
  });

  it('starts a new window when the old one ends', async () => {
    const limiter = await make();
    await limiter.hit('w', 1, 150);
    expect((await limiter.hit('w', 1, 150)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await limiter.hit('w', 1, 150)).allowed).toBe(true);
  });

  it('never lets concurrent hits past the limit', async () => {
    const limiter = await make();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.hit('c', 10, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });
});
