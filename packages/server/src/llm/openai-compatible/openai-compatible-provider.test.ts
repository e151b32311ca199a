import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../test-support/openai-compatible-test-server.js';
import { RELAXED_TIMEOUTS, describeProviderConformance } from '../test-support/provider-conformance.js';
import { asProviderError, collectStream, rejectionOf } from '../test-support/stream-assertions.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';

describeProviderConformance('openai-compatible', {
  startServer: (script) => startOpenAICompatibleTestServer(script),
  createProvider: (options) => createOpenAICompatibleProvider(options),
});

describe('openai-compatible provider', () => {
  let server: OpenAICompatibleTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks for a stream with usage and sends the generation options with OpenAI names', async () => {
    server = await startOpenAICompatibleTestServer();
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    await collectStream(
      provider.streamChat({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2, topP: 0.9, maxTokens: 64, stop: ['END'], seed: 7 }),
    );
    const request = server.requests.find((candidate) => candidate.endpoint === 'chat');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.accept).toBe('text/event-stream');
    expect(request?.body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['END'],
      seed: 7,
    });
  });

  it('sends the API key as a bearer token and the extra headers', async () => {
    server = await startOpenAICompatibleTestServer({ apiKey: 'sk-test' });
    const provider = createOpenAICompatibleProvider({
      baseURL: server.baseURL,
      apiKey: 'sk-test',
      headers: { 'openai-organization': 'org-test' },
      timeouts: RELAXED_TIMEOUTS,
    });
    expect((await provider.listModels()).map((model) => model.name)).toEqual(['test-model']);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0]?.headers['openai-organization']).toBe('org-test');
  });

  it('reports a rejected API key as an upstream 401, and the probe hints at the key', async () => {
    server = await startOpenAICompatibleTestServer({ apiKey: 'sk-right' });
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL, apiKey: 'sk-wrong', timeouts: RELAXED_TIMEOUTS });
    const error = await rejectionOf(provider.listModels());
    expect(error).toMatchObject({ kind: 'upstream', status: 401 });
    expect(error.message).toContain('Incorrect API key provided.');
    const result = await provider.probe();
    expect(result.status).toBe('down');
    expect(result.hint).toContain('API key');
  });

  it('reports a mid-stream error object as an upstream error', async () => {
    const errorEvent = 'data: {"error":{"message":"CUDA out of memory","type":"server_error","code":500}}\n\n';
    server = await startOpenAICompatibleTestServer({ chat: { tokens: ['partial'], fault: { type: 'malformed', chunk: errorEvent } } });
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    const { deltas, error } = await collectStream(provider.streamChat({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(deltas).toEqual(['partial']);
    const providerError = asProviderError(error);
    expect(providerError.kind).toBe('upstream');
    expect(providerError.message).toContain('CUDA out of memory');
  });

  it('rejects an HTML page where the event stream belongs as a protocol error', async () => {
    const htmlFetch: typeof fetch = () => Promise.resolve(new Response('<!doctype html><title>Login</title>', { headers: { 'content-type': 'text/html' } }));
    const provider = createOpenAICompatibleProvider({ baseURL: 'http://gateway.test/v1', timeouts: RELAXED_TIMEOUTS, fetch: htmlFetch });
    const { error } = await collectStream(provider.streamChat({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }));
    const providerError = asProviderError(error);
    expect(providerError.kind).toBe('protocol');
    expect(providerError.message).toContain('text/html');
  });

  it('finishes a stream whose server ends after finish_reason without [DONE]', async () => {
    const events = [
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}\n\n',
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    ];
    const eventFetch: typeof fetch = () => Promise.resolve(new Response(events.join(''), { headers: { 'content-type': 'text/event-stream' } }));
    const provider = createOpenAICompatibleProvider({ baseURL: 'http://llama-cpp.test/v1', timeouts: RELAXED_TIMEOUTS, fetch: eventFetch });
    const { parts, error } = await collectStream(provider.streamChat({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'text-delta', text: 'ok' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('returns embeddings in input order even when the server returns them shuffled', async () => {
    const body = { object: 'list', data: [{ object: 'embedding', index: 1, embedding: [2] }, { object: 'embedding', index: 0, embedding: [1] }], usage: { prompt_tokens: 2 } };
    const jsonFetch: typeof fetch = () => Promise.resolve(Response.json(body));
    const provider = createOpenAICompatibleProvider({ baseURL: 'http://vllm.test/v1', timeouts: RELAXED_TIMEOUTS, fetch: jsonFetch });
    if (!provider.embed) throw new Error('the OpenAI-compatible provider declares no embed');
    expect(await provider.embed({ model: 'm', input: ['a', 'b'] })).toEqual({ embeddings: [[1], [2]], usage: { promptTokens: 2 } });
  });

  it('declares that it cannot pull models', () => {
    const provider = createOpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:1/v1', timeouts: RELAXED_TIMEOUTS });
    expect(provider.capabilities.modelPull).toBe(false);
    expect(provider.pullModel).toBeUndefined();
    expect(provider.kind).toBe('openai-compatible');
  });
});

describe('openai-compatible provider tool calls', () => {
  let server: OpenAICompatibleTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends a tool-calling turn with null content and JSON-text arguments, and its result with tool_call_id', async () => {
    server = await startOpenAICompatibleTestServer();
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS });
    await collectStream(
      provider.streamChat({
        model: 'test-model',
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
          { role: 'tool', content: '18 °C', toolCallId: 'call_1', toolName: 'get_weather' },
        ],
      }),
    );
    const body = server.requests.find((candidate) => candidate.endpoint === 'chat')?.body as { messages: unknown[] };
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18 °C' },
    ]);
  });

  it('reads a tool call sent whole in one chunk without [DONE], as llama.cpp server may', async () => {
    const events = [
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"abc","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"finish_reason":null}]}\n\n',
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n',
    ];
    const eventFetch: typeof fetch = () => Promise.resolve(new Response(events.join(''), { headers: { 'content-type': 'text/event-stream' } }));
    const provider = createOpenAICompatibleProvider({ baseURL: 'http://llama-cpp.test/v1', timeouts: RELAXED_TIMEOUTS, fetch: eventFetch });
    const { parts, error } = await collectStream(provider.streamChat({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'tool-call', id: 'abc', name: 'get_weather', arguments: { city: 'Paris' } },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });
});
