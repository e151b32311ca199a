import { describe, expect, it, vi } from 'vitest';
import { apiError, createFakeApi, eventStream, healthyReport, json } from '../test/fake-api';
import { ApiError, NetworkError } from './api-error';
import { createApiClient } from './api-client';
import { streamChat } from './chat-stream';
import { createSutazaiApi, fetchHealth } from './sutazai-api';

const csrf = (value: string | undefined) => (name: string) => (name === 'sutazai_csrf' ? value : undefined);

describe('the API client', () => {
  it('sends the CSRF cookie as X-CSRF-Token on every change, and not on reads', async () => {
    const fake = createFakeApi({
      'GET /api/v1/auth/api-keys': () => json({ items: [] }),
      'POST /api/v1/auth/api-keys': () => json({ key: 'sk-sutazai-x', api_key: { id: 'k', name: 'n', prefix: 'sk-sutazai-x', created_at: '', last_used_at: null, revoked_at: null } }, 201),
      'PATCH /api/v1/conversations/c1': () => json({}),
      'DELETE /api/v1/auth/api-keys/k': () => new Response(null, { status: 204 }),
      'PUT /api/v1/admin/settings': () => json({ signup_policy: 'open' }),
    });
    const api = createSutazaiApi(createApiClient({ fetch: fake.fetch, readCookie: csrf('csrf-token-value-123') }));
    await api.auth.listApiKeys();
    await api.auth.createApiKey({ name: 'n' });
    await api.conversations.rename('c1', { title: 't' });
    await expect(api.auth.revokeApiKey('k')).resolves.toBeUndefined();
    await api.admin.updateSettings({ signup_policy: 'open' });
    expect(fake.requests.map((r) => [r.method, r.headers['x-csrf-token']])).toEqual([
      ['GET', undefined], ['POST', 'csrf-token-value-123'], ['PATCH', 'csrf-token-value-123'], ['DELETE', 'csrf-token-value-123'], ['PUT', 'csrf-token-value-123'],
    ]);
    expect(fake.requests[1]?.headers['content-type']).toBe('application/json');
    expect(fake.requests[1]?.body).toEqual({ name: 'n' });
  });

  it('sends no CSRF header when there is no cookie (AUTH=disabled)', async () => {
    const fake = createFakeApi({ 'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }) });
    await createSutazaiApi(createApiClient({ fetch: fake.fetch, readCookie: csrf(undefined) })).auth.logout();
    expect(fake.requests[0]?.headers['x-csrf-token']).toBeUndefined();
  });

  it('maps the API error shape to ApiError with code, message, hint and request id', async () => {
    const fake = createFakeApi({ 'POST /api/v1/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', 'The email or the password is wrong.', 'Check both.') });
    const error = await createSutazaiApi(createApiClient({ fetch: fake.fetch })).auth.login({ email: 'a@b.c', password: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', message: 'The email or the password is wrong.', hint: 'Check both.', requestId: 'req-test' });
  });

  it('explains an answer that is not the API error shape (a proxy page) instead of hiding it', async () => {
    const fake = createFakeApi({ 'GET /api/v1/models/': () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } }) });
    const error = await createSutazaiApi(createApiClient({ fetch: fake.fetch })).models().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502' });
    expect((error as ApiError).message).toContain('502 Bad Gateway');
    expect((error as ApiError).message).toContain('<html>Bad Gateway</html>');
  });

  it('turns a failed fetch into a NetworkError naming the URL, and tells the connection monitor', async () => {
    const onNetworkError = vi.fn();
    const client = createApiClient({ fetch: () => Promise.reject(new TypeError('Failed to fetch')), onNetworkError });
    const error = await client.get('/api/v1/agents/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/Could not reach http:\/\/.*\/api\/v1\/agents\/: Failed to fetch/);
    expect(onNetworkError).toHaveBeenCalledOnce();
  });

  it('reports an expired session once, through onUnauthenticated', async () => {
    const onUnauthenticated = vi.fn();
    const fake = createFakeApi({ 'GET /api/v1/conversations': () => apiError(401, 'UNAUTHENTICATED', 'Sign in first.') });
    await createSutazaiApi(createApiClient({ fetch: fake.fetch, onUnauthenticated })).conversations.list({}).catch(() => undefined);
    expect(onUnauthenticated).toHaveBeenCalledOnce();
  });

  it('builds the conversation list query from limit, cursor and q', async () => {
    const fake = createFakeApi({ 'GET /api/v1/conversations': () => json({ items: [], next_cursor: null }) });
    await createSutazaiApi(createApiClient({ fetch: fake.fetch })).conversations.list({ limit: 30, cursor: 'abc', q: 'story time' });
    expect(fake.requests[0]?.path).toBe('/api/v1/conversations?limit=30&cursor=abc&q=story+time');
  });

  it('accepts the 503 health report (database down) as a report, and refuses a page that is not one', async () => {
    const down = { ...healthyReport, status: 'down' };
    const ok = createFakeApi({ 'GET /health/detailed': () => json(down, 503) });
    await expect(fetchHealth(createApiClient({ fetch: ok.fetch }))).resolves.toMatchObject({ status: 'down' });
    const other = createFakeApi({ 'GET /health/detailed': () => new Response('hello', { status: 200 }) });
    await expect(fetchHealth(createApiClient({ fetch: other.fetch }))).rejects.toMatchObject({ code: 'NOT_SUTAZAI' });
  });
});

describe('the chat stream', () => {
  it('reads typed events with their ids, whatever the chunking', async () => {
    const fake = createFakeApi({
      'POST /api/v1/chat/stream': () => {
        const text = 'id: m:1:0\nevent: message-start\ndata: {"session_id":"s","message_id":"m","user_message_id":"u","model":"x","provider":"p"}\n\n'
          + 'id: m:2:2\nevent: text-delta\ndata: {"text":"Hé"}\n\n: keep-alive\n\nid: m:3:4\nevent: text-delta\ndata: {"text":"llo"}\n\n';
        const bytes = new TextEncoder().encode(text);
        // One byte at a time: events and UTF-8 characters split across chunks.
        const body = new ReadableStream<Uint8Array>({ start(controller) {
          for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
          controller.close();
        } });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const received = [];
    for await (const item of streamChat(createApiClient({ fetch: fake.fetch }), { message: 'hi' })) received.push(item);
    expect(received.map((r) => [r.id, r.event.type])).toEqual([['m:1:0', 'message-start'], ['m:2:2', 'text-delta'], ['m:3:4', 'text-delta']]);
    expect(received.map((r) => (r.event.type === 'text-delta' ? r.event.text : '')).join('')).toBe('Héllo');
    expect(fake.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('throws the API error when the turn is refused before streaming', async () => {
    const fake = createFakeApi({ 'POST /api/v1/chat/stream': () => apiError(503, 'NO_MODEL_AVAILABLE', 'No model is available to answer.', 'Get a model in one of three ways.') });
    const stream = streamChat(createApiClient({ fetch: fake.fetch }), { message: 'hi' });
    await expect(stream.next()).rejects.toMatchObject({ code: 'NO_MODEL_AVAILABLE', hint: 'Get a model in one of three ways.' });
  });

  it('refuses a 200 that is not a stream of events', async () => {
    const fake = createFakeApi({ 'POST /api/v1/chat/stream': () => json({ response: 'fake' }) });
    await expect(streamChat(createApiClient({ fetch: fake.fetch }), { message: 'hi' }).next()).rejects.toMatchObject({ code: 'UNEXPECTED_RESPONSE' });
  });

  it('is used with a live stream too', async () => {
    const stream = eventStream();
    const fake = createFakeApi({ 'POST /api/v1/chat/stream': () => stream.response });
    const reader = streamChat(createApiClient({ fetch: fake.fetch }), { message: 'hi' });
    const first = reader.next();
    stream.send('text-delta', { text: 'a' });
    expect((await first).value?.event).toEqual({ type: 'text-delta', text: 'a' });
    stream.close();
    expect((await reader.next()).done).toBe(true);
  });
});
