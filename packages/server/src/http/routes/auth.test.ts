import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { readSse, startTestApp, type TestApp } from '../test-support/test-app.js';

const json = { 'content-type': 'application/json' };

describe('accounts, sessions and API keys', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let url: string;
  let adminToken: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    t = await startTestApp({ env: { AUTH: 'enabled', OPENAI_BASE_URL: upstream.baseURL, LOGIN_MAX_ATTEMPTS: '3' } });
    url = await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const post = (path: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: path, payload: payload as object, headers });
  const login = async (email: string, password: string) => (await post('/api/v1/auth/login', { email, password })).json().token as string;

  it('makes the first account admin, then keeps sign-up closed', async () => {
    const first = await post('/api/v1/auth/register', { email: 'Admin@Example.com', password: 'correct horse', name: 'Ada' });
    expect(first.statusCode).toBe(201);
    expect(first.json().user).toMatchObject({ email: 'admin@example.com', role: 'admin', disabled: false, name: 'Ada' });
    const second = await post('/api/v1/auth/register', { email: 'bob@example.com', password: 'battery staple' });
    expect(second.statusCode).toBe(403);
    expect(second.json().error.code).toBe('SIGNUP_CLOSED');
    adminToken = await login('admin@example.com', 'correct horse');
    expect(adminToken).toMatch(/^sut_/);
  });

  it('requires authentication everywhere but /health, login and register', async () => {
    for (const path of ['/api/v1/models/', '/api/v1/agents/', '/api/v1/conversations', '/api/v1/auth/me', '/v1/models', '/api/v1/admin/users']) {
      const response = await t.app.inject({ method: 'GET', url: path });
      expect(response.statusCode, path).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer('sut_forged') })).statusCode).toBe(401);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const wrong = await post('/api/v1/auth/login', { email: 'admin@example.com', password: 'wrong password' });
    const unknown = await post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect({ ...wrong.json().error, request_id: '' }).toEqual({ ...unknown.json().error, request_id: '' });
  });

  it('signs in with a cookie that needs the CSRF header for changes', async () => {
    const response = await post('/api/v1/auth/login', { email: 'admin@example.com', password: 'correct horse' });
    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    expect(cookies.find((c) => c.startsWith('sutazai_session='))).toMatch(/HttpOnly; SameSite=Lax/);
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    const csrf = /sutazai_csrf=([^;]+)/.exec(jar)![1]!;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: jar } })).json().email).toBe('admin@example.com');
    const without = await post('/api/v1/auth/api-keys', { name: 'x' }, { cookie: jar });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('CSRF_FAILED');
    expect((await post('/api/v1/auth/api-keys', { name: 'x' }, { cookie: jar, 'x-csrf-token': csrf })).statusCode).toBe(201);
    const tampered = jar.replace(/sutazai_session=[^;]+/, 'sutazai_session=sut_tampered');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: tampered } })).statusCode).toBe(401);
  });

  it('creates API keys shown once, lists them without the secret, and revokes them at once', async () => {
    const created = await post('/api/v1/auth/api-keys', { name: 'laptop' }, bearer(adminToken));
    expect(created.statusCode).toBe(201);
    const { key, api_key: apiKey } = created.json();
    expect(key).toMatch(/^sk-sutazai-/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/api-keys', headers: bearer(adminToken) })).json();
    expect(JSON.stringify(list)).not.toContain(key);
    expect(list.items.map((k: { name: string }) => k.name)).toContain('laptop');
    // The OpenAI-compatible routes take the key as a bearer token.
    expect((await t.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(key) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/api-keys/${apiKey.id}`, headers: bearer(adminToken) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(key) })).statusCode).toBe(401);
  });

  it('ends an open stream the moment its API key is revoked, and aborts the generation', async () => {
    const { key, api_key: apiKey } = (await post('/api/v1/auth/api-keys', { name: 'streamer' }, bearer(adminToken))).json();
    upstream.script.chat = { tokens: Array.from({ length: 300 }, () => 'tok '), delayMs: 10 };
    const response = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...json, ...bearer(key) }, body: JSON.stringify({ message: 'go' }) });
    const events: string[] = [];
    for await (const event of readSse(response)) {
      events.push(event.event);
      if (events.filter((e) => e === 'text-delta').length === 3) {
        await fetch(`${url}/api/v1/auth/api-keys/${apiKey.id}`, { method: 'DELETE', headers: bearer(adminToken) });
      }
      if (event.event === 'error') expect(event.data.code).toBe('UNAUTHENTICATED');
    }
    expect(events.at(-1)).toBe('error');
    expect(events.filter((e) => e === 'text-delta').length).toBeLessThan(300);
    await upstream.requests.at(-1)!.disconnected;
    upstream.script.chat = undefined;
  });

  it('lets only admins manage users and settings', async () => {
    const created = await post('/api/v1/admin/users', { email: 'bob@example.com', password: 'battery staple', role: 'user' }, bearer(adminToken));
    expect(created.statusCode).toBe(201);
    const bobToken = await login('bob@example.com', 'battery staple');
    for (const [method, path] of [['GET', '/api/v1/admin/users'], ['GET', '/api/v1/admin/settings'], ['PUT', '/api/v1/admin/settings']] as const) {
      const response = await t.app.inject({ method, url: path, headers: bearer(bobToken), ...(method === 'PUT' ? { payload: { signup_policy: 'open' } } : {}) });
      expect(response.statusCode, `${method} ${path}`).toBe(403);
      expect(response.json().error.code).toBe('FORBIDDEN');
    }
    const users = (await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: bearer(adminToken) })).json();
    expect(users.items.map((u: { email: string }) => u.email)).toEqual(['admin@example.com', 'bob@example.com']);
  });

  it('follows the approval policy: new accounts wait until an admin enables them', async () => {
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/admin/settings', headers: bearer(adminToken), payload: { signup_policy: 'approval' } })).json()).toEqual({ signup_policy: 'approval' });
    const registered = await post('/api/v1/auth/register', { email: 'carol@example.com', password: 'carol password' });
    expect(registered.statusCode).toBe(202);
    expect(registered.json()).toMatchObject({ pending: true, user: { disabled: true, role: 'user' } });
    const refused = await post('/api/v1/auth/login', { email: 'carol@example.com', password: 'carol password' });
    expect(refused.json().error.code).toBe('ACCOUNT_DISABLED');
    const id = registered.json().user.id;
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${id}`, headers: bearer(adminToken), payload: { disabled: false } })).json().disabled).toBe(false);
    expect(await login('carol@example.com', 'carol password')).toMatch(/^sut_/);
  });

  it('signs a user out everywhere when disabled or when the password is reset', async () => {
    const token = await login('carol@example.com', 'carol password');
    const { key } = (await post('/api/v1/auth/api-keys', { name: 'carol key' }, bearer(token))).json();
    const carol = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).json();
    await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${carol.id}`, headers: bearer(adminToken), payload: { password: 'a new password' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(key) })).statusCode).toBe(200);
    await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${carol.id}`, headers: bearer(adminToken), payload: { disabled: true } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(key) })).statusCode).toBe(401);
  });

  it('does not let an admin disable themselves', async () => {
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(adminToken) })).json();
    const response = await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${me.id}`, headers: bearer(adminToken), payload: { disabled: true } });
    expect(response.statusCode).toBe(403);
  });

  it('shows anonymous callers only statuses in /health/detailed, and admins the details', async () => {
    const anonymous = (await t.app.inject({ method: 'GET', url: '/health/detailed' })).json();
    const admin = (await t.app.inject({ method: 'GET', url: '/health/detailed', headers: bearer(adminToken) })).json();
    const anonymousOpenAI = anonymous.services.find((s: { name: string }) => s.name === 'openai');
    const adminOpenAI = admin.services.find((s: { name: string }) => s.name === 'openai');
    expect(anonymousOpenAI).toMatchObject({ status: 'healthy', detail: 'healthy', hint: null });
    expect(adminOpenAI.detail).not.toBe('healthy');
    expect(JSON.stringify(anonymous)).not.toContain('127.0.0.1');
  });

  it('limits failed sign-ins per account, even for the right password afterwards', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/admin/users', headers: bearer(adminToken), payload: { email: 'dave@example.com', password: 'dave password' } });
    for (let i = 0; i < 3; i++) expect((await post('/api/v1/auth/login', { email: 'dave@example.com', password: `guess ${i}` })).statusCode).toBe(401);
    const locked = await post('/api/v1/auth/login', { email: 'dave@example.com', password: 'dave password' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('LOGIN_RATE_LIMITED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('request limits', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let url: string;
  let token: string;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    t = await startTestApp({ env: { AUTH: 'enabled', OPENAI_BASE_URL: upstream.baseURL, RATE_LIMIT_PER_MINUTE: '12', MAX_CONCURRENT_STREAMS: '1', MAX_TOKENS_CAP: '100' } });
    url = await t.listen();
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'x@example.com', password: 'password one' } });
    token = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@example.com', password: 'password one' } })).json().token;
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('refuses a second concurrent stream with 429 TOO_MANY_STREAMS', async () => {
    upstream.script.chat = { tokens: Array.from({ length: 50 }, () => 'a'), delayMs: 20 };
    const controller = new AbortController();
    const first = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ message: 'one' }), signal: controller.signal });
    expect(first.status).toBe(200);
    const second = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ message: 'two' }) });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_STREAMS');
    for await (const event of readSse(first)) if (event.event === 'message-end') break;
    controller.abort();
  });

  it('refuses max_tokens above the cap', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', headers: { authorization: `Bearer ${token}` }, payload: { message: 'x', max_tokens: 1_000_000 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/max_tokens must be at most 100/);
  });

  it('answers 429 with Retry-After past the per-user rate limit', async () => {
    let limited;
    for (let i = 0; i < 15 && !limited; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/agents/', headers: { authorization: `Bearer ${token}` } });
      if (response.statusCode === 429) limited = response;
    }
    expect(limited?.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('cookies behind a TLS-terminating proxy', () => {
  it('marks the session cookie Secure when the proxy says the request came over https', async () => {
    const t = await startTestApp({ env: { AUTH: 'enabled', TRUST_PROXY: 'true' } });
    try {
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'tls@example.com', password: 'password one' } });
      const overTls = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { email: 'tls@example.com', password: 'password one' } });
      expect(([] as string[]).concat(overTls.headers['set-cookie'] ?? []).every((c) => c.includes('; Secure'))).toBe(true);
      expect(overTls.headers['strict-transport-security']).toMatch(/max-age=/);
      const plain = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'tls@example.com', password: 'password one' } });
      expect(([] as string[]).concat(plain.headers['set-cookie'] ?? []).some((c) => c.includes('; Secure'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
