import { afterEach, describe, expect, it } from 'vitest';
import type { PullProgress } from '../provider.js';
import { startOllamaTestServer, TEST_LAYER, type OllamaTestServer } from '../test-support/ollama-test-server.js';
import { RELAXED_TIMEOUTS, describeProviderConformance } from '../test-support/provider-conformance.js';
import { asProviderError, collectStream } from '../test-support/stream-assertions.js';
import { createOllamaProvider } from './ollama-provider.js';

describeProviderConformance('ollama', {
  startServer: (script) => startOllamaTestServer(script),
  createProvider: (options) => createOllamaProvider(options),
});

describe('ollama provider', () => {
  let server: OllamaTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends the generation options inside `options` with Ollama names', async () => {
    server = await startOllamaTestServer();
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    await collectStream(
      provider.streamChat({
        model: 'test-model',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 64,
        stop: ['\n\n'],
        seed: 7,
      }),
    );
    const request = server.requests.find((candidate) => candidate.endpoint === 'chat');
    expect(request?.path).toBe('/api/chat');
    expect(request?.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      stream: true,
      options: { temperature: 0.2, top_p: 0.9, num_predict: 64, stop: ['\n\n'], seed: 7 },
    });
  });

  it('streams pull progress through to success, after which the model is listed', async () => {
    server = await startOllamaTestServer({ models: ['test-model'] });
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    if (!provider.pullModel) throw new Error('the Ollama provider declares no pullModel');
    const progress: PullProgress[] = [];
    for await (const step of provider.pullModel('llama3.2')) progress.push(step);
    const { total } = TEST_LAYER;
    expect(progress.map((step) => step.status)).toEqual([
      'pulling manifest',
      'pulling 6a0746a1ec1a',
      'pulling 6a0746a1ec1a',
      'pulling 6a0746a1ec1a',
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    expect(progress.slice(1, 4)).toEqual([0, total / 2, total].map((completed) => ({ status: 'pulling 6a0746a1ec1a', completed, total })));
    expect((await provider.listModels()).map((model) => model.name)).toEqual(['test-model', 'llama3.2:latest']);
    expect(server.requests.find((request) => request.endpoint === 'pull')?.body).toEqual({ model: 'llama3.2', stream: true });
  });

  it('reports a pull of an unknown model, which Ollama signals mid-stream, as model-not-found', async () => {
    server = await startOllamaTestServer({ pullable: ['llama3.2'] });
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    if (!provider.pullModel) throw new Error('the Ollama provider declares no pullModel');
    const statuses: string[] = [];
    let caught: unknown;
    try {
      for await (const step of provider.pullModel('no-such-model')) statuses.push(step.status);
    } catch (error) {
      caught = error;
    }
    expect(statuses).toEqual(['pulling manifest']);
    expect(asProviderError(caught).kind).toBe('model-not-found');
  });

  it('keeps a slow pull alive past the token timeouts', async () => {
    const timeouts = { connectMs: 5_000, firstTokenMs: 50, betweenTokensMs: 50 };
    server = await startOllamaTestServer({ pullDelayMs: 100 });
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts });
    if (!provider.pullModel) throw new Error('the Ollama provider declares no pullModel');
    const statuses: string[] = [];
    for await (const step of provider.pullModel('slow-model')) statuses.push(step.status);
    expect(statuses.at(-1)).toBe('success');
  });

  it('probes with the Ollama version and model count in the detail', async () => {
    server = await startOllamaTestServer({ version: '0.6.2', models: ['a', 'b', 'c'] });
    const provider = createOllamaProvider({ baseURL: `${server.baseURL}/`, timeouts: RELAXED_TIMEOUTS });
    const result = await provider.probe();
    expect(result).toMatchObject({ status: 'healthy', detail: 'Ollama 0.6.2, 3 models' });
    expect(result.hint).toBeUndefined();
  });

  it('probes a stopped Ollama as down with a hint naming `ollama serve` and OLLAMA_BASE_URL', async () => {
    server = await startOllamaTestServer();
    const baseURL = server.baseURL;
    await server.close();
    server = undefined;
    const result = await createOllamaProvider({ baseURL, timeouts: RELAXED_TIMEOUTS }).probe();
    expect(result.status).toBe('down');
    expect(result.hint).toContain('ollama serve');
    expect(result.hint).toContain('OLLAMA_BASE_URL');
  });

  it('lists model details from /api/tags', async () => {
    server = await startOllamaTestServer({ models: ['llama3.2:latest'] });
    const [model] = await createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS }).listModels();
    expect(model).toMatchObject({ name: 'llama3.2:latest', details: { family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M', size: 2_019_393_189 } });
  });

  it('uses the injected fetch for every request', async () => {
    server = await startOllamaTestServer();
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS, fetch: recordingFetch });
    await provider.listModels();
    await collectStream(provider.streamChat({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(seen).toEqual([`${server.baseURL}/api/tags`, `${server.baseURL}/api/chat`]);
  });
});

describe('ollama provider tool calls', () => {
  let server: OllamaTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends calls with object arguments and results with the tool name, borrowed from the call when missing', async () => {
    server = await startOllamaTestServer();
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    await collectStream(
      provider.streamChat({
        model: 'test-model',
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
          { role: 'tool', content: '18 °C', toolCallId: 'call_1' },
        ],
      }),
    );
    const body = server.requests.find((candidate) => candidate.endpoint === 'chat')?.body as { messages: unknown[] };
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '18 °C', tool_name: 'get_weather' },
    ]);
  });

  it('keeps the ids newer Ollama versions send and makes unique ones otherwise', async () => {
    server = await startOllamaTestServer({
      chat: { tokens: [], toolCalls: [{ id: 'call_from_ollama', name: 'a', arguments: {} }, { name: 'b', arguments: {} }] },
    });
    const provider = createOllamaProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    const first = await collectStream(provider.streamChat({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] }));
    const second = await collectStream(provider.streamChat({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] }));
    const ids = [...first.parts, ...second.parts].flatMap((part) => (part.type === 'tool-call' ? [part.id] : []));
    expect(ids[0]).toBe('call_from_ollama');
    expect(ids[1]).toMatch(/^call_[0-9a-f]{8}_1$/);
    expect(ids[3]).toMatch(/^call_[0-9a-f]{8}_1$/);
    expect(ids[3]).not.toBe(ids[1]);
  });
});
