import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { startTestApp, type TestApp } from './test-support/test-app.js';

describe('request validators and response serializers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // The server compiles each serializer on first use; this is the start-up check it skips.
  it('compiles the request and response schemas of every route', async () => {
    const app = await buildApp(t.platform, { logger: false, compileSchemasAtStart: true });
    await expect(app.ready()).resolves.toBe(app);
    await app.close();
  });

  it('answers with exactly the schema fields, compiled on first use', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/health' });
    const second = await t.app.inject({ method: 'GET', url: '/health' });
    expect(first.body).toBe('{"status":"healthy","app":"SutazAI Platform API"}');
    expect(second.body).toBe(first.body);
  });

  it('validates a request with the validator compiled on first use', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 42 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('serializes errors with JSON.stringify, in the catalogue shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/conversations/no-such-conversation' });
    expect(response.statusCode).toBe(404);
    expect(Object.keys(response.json().error)).toEqual(expect.arrayContaining(['code', 'message', 'type', 'retryable', 'request_id']));
  });
});
