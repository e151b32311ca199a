/**
 * The window limiter on Redis, so limits hold across replicas: one atomic script per hit
 * (INCR, and PEXPIRE on the first hit of a window).
 */
import type { Redis } from 'ioredis';
import type { LimitDecision, WindowLimiter } from './window-limiter.js';

const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

const PEEK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return { count, redis.call('PTTL', KEYS[1]) }`;

export function createRedisWindowLimiter(redis: Redis, options: { prefix?: string } = {}): WindowLimiter {
  const prefix = options.prefix ?? 'sutazai:limit:';
  const decide = (count: number, ttlMs: number, limit: number, windowMs: number): LimitDecision => ({
    allowed: count <= limit,
    remaining: Math.max(0, limit - count),
    retryAfterSeconds: Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowMs) / 1000)),
  });
  return {
    async hit(key, limit, windowMs) {
      const [count, ttl] = (await redis.eval(HIT, 1, prefix + key, String(windowMs))) as [number, number];
      return decide(count, ttl, limit, windowMs);
    },
    async peek(key, limit, windowMs) {
      const [count, ttl] = (await redis.eval(PEEK, 1, prefix + key)) as [number, number];
      return decide(count + 1, ttl, limit, windowMs);
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}
