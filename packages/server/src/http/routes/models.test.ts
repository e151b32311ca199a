import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHealthChecks } from '../../health/health-checks.js';
import { startOllamaTestServer, type OllamaTestServer } from '../../llm/test-support/ollama-test-server.js';
import { unreachableURL } from '../../llm/test-support/scripted-http-server.js';
import { parseSse, startTestApp, type TestApp } from '../test-support/test-app.js';

describe('models and providers: Ollama configured, an OpenAI-compatible server down', () => {
  let ollama: OllamaTestServer;
  let t: TestApp;
  let deadURL: string;
  beforeAll(async () => {
    ollama = await startOllamaTestServer({ models: ['llama3.2:1b'], pullable: ['qwen2.5:0.5b'], chat: { tokens: ['Hi', ' from', ' Ollama'] } });
    deadURL = `${await unreachableURL()}/v1`;
    t = await startTestApp({ env: { OLLAMA_BASE_URL: ollama.url, OPENAI_BASE_URL: deadURL } });
  });
  afterAll(async () => {
    await t.close();
    await ollama.close();
  });

  it('shows the unreachable provider as down with a hint, and the service still healthy and serving', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/detailed' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('healthy');
    const byName = Object.fromEntries(body.services.map((s: { name: string }) => [s.name, s]));
    expect(byName.openai).toMatchObject({ kind: 'openai-compatible', status: 'down' });
    expect(byName.openai.hint).toEqual(expect.any(String));
    expect(byName.ollama).toMatchObject({ kind: 'ollama', status: 'healthy' });
    expect(byName['llama-cpp'].status).toBe('disabled');
  });

  it('lists only the models of providers that answer', async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/api/v1/models/' })).json();
    expect(body.models).toEqual(['llama3.2:1b']);
    expect(body.detailed[0]).toMatchObject({ provider: 'ollama', available: true, capabilities: { model_pull: true } });
  });

  it('chats through Ollama', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'hello', model: 'llama3.2:1b' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().response).toBe('Hi from Ollama');
  });

  it('pulls a model with progress events, after which it is listed and usable', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/models/pull', payload: { name: 'qwen2.5:0.5b' } });
    expect(response.statusCode).toBe(200);
    const events = parseSse(response.body);
    expect(events.filter((e) => e.event === 'pull-progress').length).toBeGreaterThan(1);
    expect(events.some((e) => typeof e.data.completed === 'number' && typeof e.data.total === 'number')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'pull-end', data: { name: 'qwen2.5:0.5b', provider: 'ollama' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/models/' })).json().models).toContain('qwen2.5:0.5b');
  });

  it('reports a pull that fails upstream as an error event', async () => {
    const events = parseSse((await t.app.inject({ method: 'POST', url: '/api/v1/models/pull', payload: { name: 'no-such-model' } })).body);
    expect(events.at(-1)!.event).toBe('error');
  });

  it('refuses to pull through a provider that cannot', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/models/pull', payload: { name: 'x', provider: 'openai' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('CAPABILITY_UNSUPPORTED');
  });

  it('answers chat with a model of the down provider as MODEL_NOT_FOUND, listing what exists', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'x', model: 'gpt-4o' } });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.hint).toContain('llama3.2:1b');
  });
});

describe('Ollama at its default address, not configured', () => {
  it('is used when it answers, and disabled (not down) when it does not', async () => {
    const ollama = await startOllamaTestServer({ models: ['found-by-default'] });
    const { loadConfig } = await import('../../config/load.js');
    const { createPlatform } = await import('../../platform.js');
    const base = loadConfig({ env: { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sutazai-default-ollama-')), LOG_LEVEL: 'silent' } });
    const quiet = { error() {}, warn() {}, info() {}, debug() {} };
    // The same configuration a user gets with OLLAMA_BASE_URL unset, with the default address pointed at the test server.
    const platform = await createPlatform({ ...base, ollama: { baseURL: ollama.url, explicit: false } }, quiet);
    try {
      expect((await platform.registry.resolve(undefined)).model).toBe('found-by-default');
      const health = await runHealthChecks(platform.probes);
      expect(health.services.find((s) => s.name === 'ollama')).toMatchObject({ status: 'healthy' });
      await ollama.close();
      const after = await runHealthChecks(platform.probes);
      expect(after.services.find((s) => s.name === 'ollama')).toMatchObject({ status: 'disabled' });
    } finally {
      await platform.close();
      await ollama.close();
    }
  });
});
