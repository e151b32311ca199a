import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

describe('first-run state and self-service password change', () => {
  let t: TestApp;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const post = (path: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: path, payload: payload as object, headers });
  const login = (email: string, password: string) => post('/api/v1/auth/login', { email, password });
  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH: 'enabled', LOGIN_MAX_ATTEMPTS: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells an anonymous caller that an administrator is needed, then that sign-up is closed', async () => {
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/auth/setup' });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ auth_enabled: true, needs_admin: true, signup_policy: 'open' });
    expect((await post('/api/v1/auth/register', { email: 'admin@example.com', password: 'first password' })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/setup' })).json()).toEqual({ auth_enabled: true, needs_admin: false, signup_policy: 'closed' });
  });

  it('refuses a wrong current password with CURRENT_PASSWORD_WRONG and keeps the old one', async () => {
    const token = (await login('admin@example.com', 'first password')).json().token as string;
    const wrong = await post('/api/v1/auth/password', { current_password: 'not it', new_password: 'second password' }, bearer(token));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: 'CURRENT_PASSWORD_WRONG', retryable: false });
    expect((await me(bearer(token))).statusCode).toBe(200);
    expect((await login('admin@example.com', 'first password')).statusCode).toBe(200);
  });

  it('refuses a new password shorter than 8 characters', async () => {
    const token = (await login('admin@example.com', 'first password')).json().token as string;
    const short = await post('/api/v1/auth/password', { current_password: 'first password', new_password: 'short' }, bearer(token));
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('changes the password, ends the other sessions, replaces the caller\'s session and keeps API keys', async () => {
    const other = (await login('admin@example.com', 'first password')).json().token as string;
    const { key } = (await post('/api/v1/auth/api-keys', { name: 'script' }, bearer(other))).json();
    const signIn = await login('admin@example.com', 'first password');
    const jar = ([] as string[]).concat(signIn.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /sutazai_csrf=([^;]+)/.exec(jar)![1]!;

    const changed = await post('/api/v1/auth/password', { current_password: 'first password', new_password: 'second password' }, { cookie: jar, 'x-csrf-token': csrf });
    expect(changed.statusCode).toBe(200);
    const body = changed.json();
    expect(body.user.email).toBe('admin@example.com');
    expect(body.other_sessions_ended).toBeGreaterThanOrEqual(1);
    expect(body.token).toMatch(/^sut_/);
    const newCookies = ([] as string[]).concat(changed.headers['set-cookie'] ?? []);
    expect(newCookies.find((c) => c.startsWith('sutazai_session='))).toContain(encodeURIComponent(body.token));

    expect((await me(bearer(other))).statusCode).toBe(401);
    expect((await me({ cookie: jar })).statusCode).toBe(401);
    expect((await me(bearer(body.token))).statusCode).toBe(200);
    expect((await me(bearer(key))).statusCode).toBe(200);
    expect((await login('admin@example.com', 'first password')).statusCode).toBe(401);
    expect((await login('admin@example.com', 'second password')).statusCode).toBe(200);
  });

  it('answers an API-key caller without a new session', async () => {
    const token = (await login('admin@example.com', 'second password')).json().token as string;
    const { key } = (await post('/api/v1/auth/api-keys', { name: 'cli' }, bearer(token))).json();
    const changed = await post('/api/v1/auth/password', { current_password: 'second password', new_password: 'third password' }, bearer(key));
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ token: null, expires_at: null });
    expect(changed.json().other_sessions_ended).toBeGreaterThanOrEqual(1);
    expect(changed.headers['set-cookie']).toBeUndefined();
    expect((await me(bearer(token))).statusCode).toBe(401);
  });

  it('counts wrong current passwords against the sign-in limit', async () => {
    const token = (await login('admin@example.com', 'third password')).json().token as string;
    for (let i = 0; i < 3; i++) {
      expect((await post('/api/v1/auth/password', { current_password: `guess ${i}`, new_password: 'fourth password' }, bearer(token))).statusCode).toBe(403);
    }
    const limited = await post('/api/v1/auth/password', { current_password: 'third password', new_password: 'fourth password' }, bearer(token));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('LOGIN_RATE_LIMITED');
  });

  it('needs a signed-in caller', async () => {
    const anonymous = await post('/api/v1/auth/password', { current_password: 'x', new_password: 'long enough' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('with AUTH=disabled', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('says accounts are off, and the local user has no password to change', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/setup' })).json()).toEqual({ auth_enabled: false, needs_admin: false, signup_policy: 'closed' });
    const change = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { current_password: 'x', new_password: 'long enough' } });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.code).toBe('FORBIDDEN');
  });
});
