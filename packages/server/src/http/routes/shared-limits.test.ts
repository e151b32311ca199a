import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unreachableURL } from '../../llm/test-support/scripted-http-server.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

const redisURL = process.env.SUTAZAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits shared through Redis', () => {
  let first: TestApp;
  let second: TestApp;
  let token: string;
  beforeAll(async () => {
    // Two replicas on one database and one Redis, as in a scale-out deployment.
    const env = { AUTH: 'enabled', REDIS_URL: redisURL, RATE_LIMIT_PER_MINUTE: '6' };
    first = await startTestApp({ env });
    second = await startTestApp({ env: { ...env, DATABASE_URL: `sqlite:${first.dir}/data/sutazai.db` } });
    const email = `${randomUUID()}@example.com`;
    await first.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: 'shared password' } });
    token = (await second.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'shared password' } })).json().token;
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('shows Redis in health', async () => {
    const body = (await first.app.inject({ method: 'GET', url: '/health/detailed', headers: { authorization: `Bearer ${token}` } })).json();
    expect(body.services.find((s: { name: string }) => s.name === 'redis')).toMatchObject({ status: 'healthy', kind: 'redis' });
  });

  it('counts one user\'s requests on both replicas against one limit, answering 429 past it', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      for (const replica of [first, second]) statuses.push((await replica.app.inject({ method: 'GET', url: '/api/v1/agents/', headers: { authorization: `Bearer ${token}` } })).statusCode);
    }
    // The first /health/detailed above was public and not counted: six allowed, then refused on either replica.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });
});

describe('rate limits with Redis away', () => {
  it.each([
    ['refuse', 503],
    ['allow', 200],
  ])('RATE_LIMIT_WHEN_REDIS_DOWN=%s answers %i', async (policy, status) => {
    const deadRedis = (await unreachableURL()).replace('http:', 'redis:');
    const t = await startTestApp({ env: { AUTH: 'enabled', REDIS_URL: deadRedis, RATE_LIMIT_WHEN_REDIS_DOWN: policy } });
    try {
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'x@example.com', password: 'password one' } });
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@example.com', password: 'password one' } });
      expect(login.statusCode).toBe(status);
      if (status === 503) expect(login.json().error.code).toBe('LIMITS_UNAVAILABLE');
      const health = (await t.app.inject({ method: 'GET', url: '/health/detailed' })).json();
      expect(health.services.find((s: { name: string }) => s.name === 'redis').status).toBe('down');
    } finally {
      await t.close();
    }
  });
});
