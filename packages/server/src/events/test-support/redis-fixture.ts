/** The real Redis the Redis tests run against, and keys under a prefix of their own, removed afterwards. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisTestUrl = process.env.SUTAZAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueRedisPrefix(): string {
  return `sutazai-test:${randomBytes(5).toString('hex')}:`;
}

/** A connection set up as the server sets up its own: fails fast while Redis is away, reconnects by itself. */
export async function connectTestRedis(url = redisTestUrl): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  await redis.connect().catch(() => undefined);
  return redis;
}

/** Deletes every key under the prefix. */
export async function deleteKeys(prefix: string, url = redisTestUrl): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
