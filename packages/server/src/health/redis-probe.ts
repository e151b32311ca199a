/**
 * The health probe of the shared Redis connection. ioredis reports why a connection failed
 * (WRONGPASS, NOAUTH, ENOTFOUND) only on its `error` event; a command then fails with "Stream
 * isn't writeable", which says nothing. The probe keeps the last connection error and reports it.
 */
import type { Redis } from 'ioredis';
import type { HealthProbe } from './health-checks.js';

export function createRedisProbe(redis: Redis): HealthProbe {
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  const where = `${redis.options.host}:${redis.options.port}`;
  return {
    name: 'redis', kind: 'redis', required: false, modelProvider: false,
    async run() {
      const started = performance.now();
      try {
        const pong = await redis.ping();
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `PING ${pong}, ${where}` };
      } catch (error) {
        const reason = lastError ?? (error as Error).message;
        return { status: 'down', latencyMs: performance.now() - started, detail: `Redis at ${where}: ${reason}`, hint: 'Check REDIS_URL and that Redis is running (redis-server).' };
      }
    },
  };
}
