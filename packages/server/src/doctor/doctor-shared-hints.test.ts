/**
 * `/health/detailed` and `sutazai doctor` say the same thing about the same failure: the
 * server's probes go through `runHealthChecks`, which gives a recognised failure the hint the
 * doctor prints as its fix.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runHealthChecks, timed, type HealthProbe } from '../health/health-checks.js';
import { createRedisProbe } from '../health/redis-probe.js';
import { postgresTestUrl } from '../storage/test-support/storage-fixtures.js';
import { checkNamed, diagnose } from './test-support/doctor-fixtures.js';

function probe(name: string, kind: string, run: () => Promise<string>): HealthProbe {
  return { name, kind, required: false, modelProvider: false, run: () => timed(run, `Check that ${name} is running.`) };
}

describe('hints shared by /health/detailed and the doctor', () => {
  it('gives the doctor\'s fix for a PostgreSQL role that does not exist', async () => {
    const url = new URL(postgresTestUrl);
    url.username = 'no_such_role';
    const health = await runHealthChecks([probe('database', 'postgres', async () => {
      const client = new pg.Client({ connectionString: url.href });
      try {
        await client.connect();
        return 'connected';
      } finally {
        await client.end().catch(() => undefined);
      }
    })]);
    const doctor = checkNamed(await diagnose({ DATABASE_URL: url.href }), 'database');
    expect(health.services[0]).toMatchObject({ status: 'down', detail: 'role "no_such_role" does not exist' });
    expect(health.services[0]!.hint).toBe(doctor.problems[0]!.fix);
  });

  it('gives the doctor\'s fix for a refused Redis password, through the server\'s Redis probe', async () => {
    const url = 'redis://sutazai:wrong@127.0.0.1:6379';
    // The client as the platform opens it (connectRedis in platform.ts).
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, enableOfflineQueue: false });
    try {
      const redisProbe = createRedisProbe(redis);
      await redis.connect().catch(() => undefined);
      const health = await runHealthChecks([redisProbe]);
      const doctor = checkNamed(await diagnose({ REDIS_URL: url }), 'redis');
      expect(health.services[0]).toMatchObject({ status: 'down', detail: expect.stringContaining('WRONGPASS') });
      expect(health.services[0]!.hint).toBe(doctor.problems[0]!.fix);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps a probe\'s own hint for failures it does not recognise for certain', async () => {
    const health = await runHealthChecks([{ name: 'ollama', kind: 'ollama', required: false, modelProvider: true, run: async () => ({ status: 'down', latencyMs: 1, detail: 'connect ECONNREFUSED 10.0.0.5:11434', hint: 'Start Ollama.' }) }]);
    expect(health.services[0]!.hint).toBe('Start Ollama.');
  });
});
