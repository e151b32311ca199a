import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { errorCatalogue } from '../errors/catalogue.js';
import { registerErrorBoundary } from './error-boundary.js';
import { startTestApp, type TestApp } from './test-support/test-app.js';

describe('HTTP app: errors, request ids, original shapes, OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers GET /health with exactly the original body', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"healthy","app":"SutazAI Platform API"}');
  });

  it('puts a request id on every response, keeping a sane one the caller sent', async () => {
    const made = await t.app.inject({ method: 'GET', url: '/health' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
    const kept = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers['x-request-id']).toBe('trace-123');
    const replaced = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('writes the request id into the log line of the request', async () => {
    const lines: string[] = [];
    const logged = await startTestApp({ logger: true, loggerStream: { write: (line: string) => lines.push(line) } });
    try {
      await logged.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: { 'x-request-id': 'find-me-42' } });
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.some((e) => e.reqId === 'find-me-42' && (e.res as { statusCode?: number } | undefined)?.statusCode === 404)).toBe(true);
    } finally {
      await logged.close();
    }
  });

  it('answers the list routes with and without the trailing slash, without a redirect', async () => {
    for (const url of ['/api/v1/models', '/api/v1/models/', '/api/v1/agents', '/api/v1/agents/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
    }
    const agents = (await t.app.inject({ method: 'GET', url: '/api/v1/agents/' })).json();
    expect(Array.isArray(agents)).toBe(true);
    expect(agents[0]).toMatchObject({ id: 'jarvis', builtin: true, name: expect.any(String), description: expect.any(String), status: 'active', capabilities: expect.arrayContaining(['chat']) });
  });

  it.each([
    ['an empty message', { message: '' }, 'VALIDATION_FAILED', /message/],
    ['a missing message', { session_id: 'x' }, 'VALIDATION_FAILED', /message/],
    ['a session id with a slash', { message: 'hi', session_id: '../etc' }, 'VALIDATION_FAILED', /session_id/],
    ['a temperature out of range', { message: 'hi', temperature: 9 }, 'VALIDATION_FAILED', /temperature/],
    ['a message over the length limit', { message: 'x'.repeat(100_001) }, 'VALIDATION_FAILED', /message/],
    ['a NUL character in the message (PostgreSQL cannot store one)', { message: 'hello \u0000 world' }, 'VALIDATION_FAILED', /"message" contains a NUL/],
  ])('refuses %s with 400 and a code that names the field', async (_name, payload, code, field) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe(code);
    expect(error.message).toMatch(field);
    expect(error.request_id).toBe(response.headers['x-request-id']);
    expect(error.type).toBe('invalid_request_error');
  });

  it('refuses a body that is not JSON with INVALID_JSON', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', headers: { 'content-type': 'application/json' }, payload: '{"message": "hi"' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('INVALID_JSON');
  });

  it('refuses a body of another content type with 415', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'ROUTE_NOT_FOUND', type: 'not_found_error' });
  });

  it('answers an unknown agent with 404 AGENT_NOT_FOUND', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'hi', agent: 'nobody' } });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('AGENT_NOT_FOUND');
  });

  it('hides internals of a 5xx and keeps serving', async () => {
    const app = Fastify({ logger: false });
    registerErrorBoundary(app);
    app.get('/boom', async () => {
      throw new Error('secret stack detail at /srv/app.js:12');
    });
    app.get('/fine', async () => ({ ok: true }));
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(response.json().error).toMatchObject({ code: 'INTERNAL_ERROR', retryable: true, type: 'server_error' });
    expect((await app.inject({ method: 'GET', url: '/fine' })).statusCode).toBe(200);
    await app.close();
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/health', '/health/detailed', '/api/v1/chat/', '/api/v1/chat/stream', '/api/v1/models/', '/api/v1/agents/', '/api/v1/conversations', '/api/v1/conversations/{id}', '/v1/chat/completions', '/v1/embeddings', '/v1/models']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const chatBody = doc.paths['/api/v1/chat/'].post.requestBody.content['application/json'].schema;
    expect(chatBody.required).toEqual(['message']);
    expect(chatBody.properties.message.maxLength).toBe(100_000);
  });

  it('has a catalogue entry with status, message and hint for every code', () => {
    for (const [code, spec] of Object.entries(errorCatalogue)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.message.length, code).toBeGreaterThan(5);
      expect(spec.hint.length, code).toBeGreaterThan(5);
    }
  });
});
