import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, startTestApp, testModelName, type TestApp } from '../test-support/test-app.js';

describe('chat with the real embedded model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ realModel: true });
  });
  afterAll(() => t.close());

  it('lists the GGUF model as available from the llama-cpp provider', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/models/' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.models).toContain(testModelName);
    expect(body.count).toBe(body.models.length);
    expect(body.default_model).toBe(testModelName);
    const detail = body.detailed.find((m: { name: string }) => m.name === testModelName);
    expect(detail).toMatchObject({ provider: 'llama-cpp', available: true, capabilities: { chat: true, streaming: true } });
  });

  it('answers POST /api/v1/chat/ in the original shape and stores both messages', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'Once upon a time', session_id: 'story-1', temperature: 0, max_tokens: 24 } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['message_id', 'model', 'response', 'response_time', 'session_id', 'status', 'usage']);
    expect(body).toMatchObject({ status: 'success', session_id: 'story-1', model: testModelName });
    expect(body.response.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(24);
    expect(body.response_time).toBeGreaterThan(0);

    const stored = (await t.app.inject({ method: 'GET', url: '/api/v1/conversations/story-1' })).json();
    expect(stored.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[0].content).toBe('Once upon a time');
    expect(stored.messages[1]).toMatchObject({ id: body.message_id, content: body.response, status: 'complete', model: testModelName, provider: 'llama-cpp' });
    expect(stored.messages[1].usage.completion_tokens).toBe(body.usage.completion_tokens);
    expect(stored.messages[1].time_to_first_token_ms).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic at temperature 0', async () => {
    const ask = async () => (await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'Once upon a time', temperature: 0, max_tokens: 16 } })).json().response;
    expect(await ask()).toBe(await ask());
  });

  it('streams the reply as message-start, text-deltas and message-end, and stores exactly what was streamed', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'The little dog', session_id: 'story-2', temperature: 0, max_tokens: 24 } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(response.body);
    expect(events[0]!.event).toBe('message-start');
    expect(events.at(-1)!.event).toBe('message-end');
    const deltas = events.filter((e) => e.event === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    const text = deltas.map((e) => e.data.text).join('');
    const end = events.at(-1)!.data as { status: string; usage: { completion_tokens: number }; timings: { time_to_first_token_ms: number; tokens_per_second: number } };
    expect(end.status).toBe('complete');
    expect(end.usage.completion_tokens).toBeGreaterThan(0);
    expect(end.timings.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    // Every event id is unique and names the reply.
    const messageId = events[0]!.data.message_id as string;
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.id!.startsWith(`${messageId}:`))).toBe(true);

    const stored = (await t.app.inject({ method: 'GET', url: '/api/v1/conversations/story-2' })).json();
    expect(stored.messages[1]).toMatchObject({ id: messageId, content: text, status: 'complete' });
  });

  it('continues a conversation: the second turn is stored in the same session', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'Once upon a time', session_id: 'story-3', max_tokens: 8 } });
    await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'and then', session_id: 'story-3', max_tokens: 8 } });
    const stored = (await t.app.inject({ method: 'GET', url: '/api/v1/conversations/story-3' })).json();
    expect(stored.message_count).toBe(4);
    expect(stored.messages.map((m: { content: string; role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('reports the database and the embedded engine healthy, and an unconfigured Ollama as disabled', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/detailed' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('healthy');
    const byName = Object.fromEntries(body.services.map((s: { name: string }) => [s.name, s]));
    expect(byName.database).toMatchObject({ kind: 'sqlite', status: 'healthy', required: true });
    expect(byName['llama-cpp']).toMatchObject({ status: 'healthy' });
    expect(byName.ollama).toMatchObject({ status: 'disabled' });
    expect(byName.ollama.hint).toMatch(/OLLAMA_BASE_URL/);
    expect(body.healthy_count).toBe(body.services.filter((s: { status: string }) => s.status === 'healthy').length);
    expect(body.total_services).toBe(body.services.length);
  });

  it('serves the real model through the OpenAI-compatible surface', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: testModelName, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });
});
