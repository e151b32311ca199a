import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaTestServer, type OllamaTestServer } from '../../llm/test-support/ollama-test-server.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

describe('testing a model server URL through the outbound guard', () => {
  let ollama: OllamaTestServer;
  let strict: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    ollama = await startOllamaTestServer({ models: ['llama3.2:1b'] });
    strict = await startTestApp();
    open = await startTestApp({ env: { OUTBOUND_ALLOW_HOSTS: new URL(ollama.url).host } });
  });
  afterAll(async () => {
    await strict.close();
    await open.close();
    await ollama.close();
  });

  const test = (t: TestApp, payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/providers/test', payload });

  it.each([
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['loopback in IPv6-mapped form', 'http://[::ffff:127.0.0.1]:11434'],
    ['loopback as a decimal number', 'http://2130706433:11434'],
    ['a private address', 'http://10.0.0.5:11434'],
    ['a file URL', 'file:///etc/passwd'],
  ])('refuses %s with 403 OUTBOUND_REQUEST_BLOCKED', async (_name, url) => {
    const response = await test(strict, { kind: 'ollama', base_url: url });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('OUTBOUND_REQUEST_BLOCKED');
    expect(response.json().error.hint).toMatch(/OUTBOUND_ALLOW|http: and https:/);
  });

  it('refuses a local test server by default, and reaches it once its host is allowed', async () => {
    expect((await test(strict, { kind: 'ollama', base_url: ollama.url })).statusCode).toBe(403);
    const response = await test(open, { kind: 'ollama', base_url: ollama.url });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'healthy', models: ['llama3.2:1b'] });
  });

  it('reports a server of the wrong kind as down with a hint', async () => {
    const response = await test(open, { kind: 'openai-compatible', base_url: `${ollama.url}/v1` });
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('down');
    expect(response.json().models).toEqual([]);
  });
});
