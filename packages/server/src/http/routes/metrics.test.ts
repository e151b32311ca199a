import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { parsePrometheusText, sampleValue } from '../../metrics/test-support/parse-prometheus.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('GET /metrics with accounts and METRICS_TOKEN', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let adminToken: string;
  let userToken: string;
  beforeAll(async () => {
    // Tokens a few milliseconds apart: a reply that ends in the millisecond it starts has no tokens-per-second figure.
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: ['Hello', ',', ' world'], delayMs: 5 } });
    t = await startTestApp({ env: { AUTH: 'enabled', OPENAI_BASE_URL: upstream.baseURL, METRICS_TOKEN } });
    const post = (url: string, payload: object, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload, headers });
    await post('/api/v1/auth/register', { email: 'admin@example.com', password: 'admin password' });
    adminToken = (await post('/api/v1/auth/login', { email: 'admin@example.com', password: 'admin password' })).json().token;
    await post('/api/v1/admin/users', { email: 'user@example.com', password: 'user password', role: 'user' }, bearer(adminToken));
    userToken = (await post('/api/v1/auth/login', { email: 'user@example.com', password: 'user password' })).json().token;
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('answers the metrics token and an administrator\'s token, in the Prometheus text format', async () => {
    for (const token of [METRICS_TOKEN, adminToken]) {
      const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parsePrometheusText(response.body).get('sutazai_active_streams')).toMatchObject({ type: 'gauge' });
    }
  });

  it('refuses no credential and a wrong token with 401, and a user who is not an administrator with 403', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(`${METRICS_TOKEN}x`) })).statusCode).toBe(401);
    const user = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(userToken) });
    expect(user.statusCode).toBe(403);
    expect(user.json().error.code).toBe('FORBIDDEN');
  });

  it('times requests by route pattern and status class, and chat turns by provider and model', async () => {
    const chat = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', headers: bearer(userToken), payload: { message: 'Hi', model: 'scripted' } });
    expect(chat.statusCode).toBe(200);
    const sessionId = chat.json().session_id as string;
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${sessionId}`, headers: bearer(userToken) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/conversations/not-there', headers: bearer(userToken) })).statusCode).toBe(404);

    const families = parsePrometheusText((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })).body);
    const routes = families.get('sutazai_http_request_duration_seconds')!.samples.map((s) => s.labels.route);
    expect(routes).not.toContain(`/api/v1/conversations/${sessionId}`);
    expect(sampleValue(families, 'sutazai_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/conversations/:id', status_class: '2xx' })).toBe(1);
    expect(sampleValue(families, 'sutazai_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/conversations/:id', status_class: '4xx' })).toBe(1);
    expect(sampleValue(families, 'sutazai_chat_time_to_first_token_seconds_count', { provider: 'openai', model: 'scripted' })).toBe(1);
    expect(sampleValue(families, 'sutazai_chat_tokens_per_second_count', { provider: 'openai', model: 'scripted' })).toBe(1);
    expect(sampleValue(families, 'sutazai_chat_turns_total', { provider: 'openai', model: 'scripted', status: 'complete' })).toBe(1);
    expect(sampleValue(families, 'sutazai_dependency_up', { name: 'database', kind: 'sqlite', required: 'true' })).toBe(1);
    expect(sampleValue(families, 'sutazai_dependency_up', { name: 'openai' })).toBe(1);
    expect(sampleValue(families, 'sutazai_job_queue_jobs', { kind: 'all', state: 'waiting' })).toBe(0);
    expect(sampleValue(families, 'sutazai_active_streams')).toBe(0);
  });
});

describe('GET /metrics in single-user mode', () => {
  it('is open without METRICS_TOKEN, and needs the token once it is set', async () => {
    const open = await startTestApp();
    const guarded = await startTestApp({ env: { METRICS_TOKEN } });
    try {
      expect((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })).statusCode).toBe(200);
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  it('does not count /metrics against the rate limit', async () => {
    const t = await startTestApp({ env: { AUTH: 'enabled', METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      for (let i = 0; i < 5; i++) expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
