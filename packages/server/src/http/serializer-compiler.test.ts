import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { startTestApp, type TestApp } from './test-support/test-app.js';

describe('response serializers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // The server compiles each serializer on first use; this is the start-up check it skips.
  it('compiles the response schema of every route', async () => {
    const app = await buildApp(t.platform, { logger: false, compileSerializersAtStart: true });
    await expect(app.ready()).resolves.toBe(app);
    await app.close();
  });

  it('answers with exactly the schema fields, compiled on first use', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/health' });
    const second = await t.app.inject({ method: 'GET', url: '/health' });
    expect(first.body).toBe('{"status":"healthy","app":"SutazAI Platform API"}');
    expect(second.body).toBe(first.body);
  });

  it('serializes errors with JSON.stringify, in the catalogue shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/conversations/no-such-conversation' });
    expect(response.statusCode).toBe(404);
    expect(Object.keys(response.json().error)).toEqual(expect.arrayContaining(['code', 'message', 'type', 'retryable', 'request_id']));
  });
});
