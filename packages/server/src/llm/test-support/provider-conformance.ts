import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest, ChatStreamPart, Provider, ProviderTimeouts, ToolDefinition } from '../provider.js';
import { unreachableURL } from './scripted-http-server.js';
import { asProviderError, collectStream, rejectionOf, settlesWithin } from './stream-assertions.js';
import { requestMessages, requestToolResults, requestTools, testEmbedding, type RecordedRequest, type TestServer, type TestServerScript } from './test-server-script.js';

export interface ConformanceTarget {
  /** Starts this adapter's protocol test server. */
  startServer(script: TestServerScript): Promise<TestServer>;
  /** Builds the adapter under test; `baseURL` is the server's (or an unreachable one). */
  createProvider(options: { baseURL: string; timeouts: ProviderTimeouts; probeTimeoutMs?: number }): Provider;
}

/**
 * Budgets for tests that are not about timeouts: generous, so a loaded machine cannot fail
 * them. Tests about one timeout make only that one small, which keeps them fast and unambiguous.
 */
export const RELAXED_TIMEOUTS: ProviderTimeouts = { connectMs: 5_000, firstTokenMs: 5_000, betweenTokensMs: 5_000 };
const SHORT_MS = 300;

const DISCONNECT_WAIT_MS = 1_000;

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'test-model', messages: [{ role: 'user', content: 'Say hello' }], ...overrides };
}

const WEATHER_TOOL: ToolDefinition = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
};
const TIME_TOOL: ToolDefinition = { name: 'get_time', description: 'The local time in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

function toolCallsOf(parts: ChatStreamPart[]): Extract<ChatStreamPart, { type: 'tool-call' }>[] {
  return parts.filter((part) => part.type === 'tool-call');
}

function chatRequestOf(server: TestServer): RecordedRequest {
  const request = server.requests.find((candidate) => candidate.endpoint === 'chat');
  if (!request) throw new Error('the test server received no chat request');
  return request;
}

/** The behaviour every Provider adapter promises, run against that adapter's protocol server. */
export function describeProviderConformance(name: string, target: ConformanceTarget): void {
  describe(`${name} provider conformance`, () => {
    let server: TestServer | undefined;
    // Node loads its fetch implementation on first use, which can eat a short budget.
    beforeAll(async () => {
      const warmUp = await target.startServer({});
      await target.createProvider({ baseURL: warmUp.baseURL, timeouts: RELAXED_TIMEOUTS }).listModels();
      await warmUp.close();
    });
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function setup(script: TestServerScript = {}, timeouts: Partial<ProviderTimeouts> = {}): Promise<{ server: TestServer; provider: Provider }> {
      server = await target.startServer(script);
      return { server, provider: target.createProvider({ baseURL: server.baseURL, timeouts: { ...RELAXED_TIMEOUTS, ...timeouts } }) };
    }

    it('lists the models the server reports, in order', async () => {
      const { provider } = await setup({ models: ['alpha', 'beta:7b'] });
      const models = await provider.listModels();
      expect(models.map((model) => model.name)).toEqual(['alpha', 'beta:7b']);
    });

    it('streams the scripted tokens in order and ends with exactly one stop finish', async () => {
      const tokens = ['Hel', 'lo', ', ', 'world', '!'];
      const { provider } = await setup({ chat: { tokens, delayMs: 5 } });
      const { parts, deltas, error } = await collectStream(provider.streamChat(chat()));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(tokens);
      expect(deltas.join('')).toBe('Hello, world!');
      expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    });

    it('reports the token usage the server sent', async () => {
      const { provider } = await setup({ chat: { tokens: ['a', 'b', 'c'], usage: { promptTokens: 12, completionTokens: 3 } } });
      const { parts } = await collectStream(provider.streamChat(chat()));
      expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 } });
    });

    it('reports a length stop as finishReason length', async () => {
      const { provider } = await setup({ chat: { tokens: ['cut', ' short'], finishReason: 'length' } });
      const { parts } = await collectStream(provider.streamChat(chat({ maxTokens: 2 })));
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
    });

    it('reassembles non-ASCII text whose chunks are split inside multi-byte characters', async () => {
      const tokens = ['héllo', ' 世界', ' 🎉👍🏽', ' naïve'];
      const { provider } = await setup({ chat: { tokens, splitInsideCharacters: true } });
      const { deltas, error } = await collectStream(provider.streamChat(chat()));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(tokens);
    });

    it('fails with a timeout when no first token arrives, and releases the connection', async () => {
      const { server, provider } = await setup({ chat: { tokens: [], fault: { type: 'stall' } } }, { firstTokenMs: SHORT_MS });
      const startedAt = Date.now();
      const { deltas, error } = await collectStream(provider.streamChat(chat()));
      const elapsed = Date.now() - startedAt;
      expect(deltas).toEqual([]);
      const providerError = asProviderError(error);
      expect(providerError.kind).toBe('timeout');
      expect(providerError.message).toContain(`no first token`);
      expect(elapsed).toBeGreaterThanOrEqual(SHORT_MS - 20);
      expect(elapsed).toBeLessThan(SHORT_MS + 2_000);
      expect(await settlesWithin(chatRequestOf(server).disconnected, DISCONNECT_WAIT_MS)).toBe(true);
    });

    it('fails with a timeout when the stream goes silent between tokens, after yielding the earlier ones', async () => {
      const { server, provider } = await setup({ chat: { tokens: ['one', ' two'], fault: { type: 'stall' } } }, { betweenTokensMs: SHORT_MS });
      const startedAt = Date.now();
      const { deltas, error } = await collectStream(provider.streamChat(chat()));
      // Well before the (relaxed) first-token budget: the shorter between-tokens one applies.
      expect(Date.now() - startedAt).toBeLessThan(SHORT_MS + 2_000);
      expect(deltas).toEqual(['one', ' two']);
      const providerError = asProviderError(error);
      expect(providerError.kind).toBe('timeout');
      expect(providerError.message).toContain(`no token from`);
      expect(providerError.message).toContain(`${SHORT_MS} ms`);
      expect(await settlesWithin(chatRequestOf(server).disconnected, DISCONNECT_WAIT_MS)).toBe(true);
    });

    it('fails with a protocol error on a malformed chunk', async () => {
      const { provider } = await setup({ chat: { tokens: ['fine'], fault: { type: 'malformed' } } });
      const { deltas, parts, error } = await collectStream(provider.streamChat(chat()));
      expect(deltas).toEqual(['fine']);
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(asProviderError(error).kind).toBe('protocol');
    });

    it('yields the delivered deltas, then fails with a protocol error, when the connection is cut', async () => {
      const { provider } = await setup({ chat: { tokens: ['first', ' second'], fault: { type: 'cut' } } });
      const { deltas, parts, error } = await collectStream(provider.streamChat(chat()));
      expect(deltas).toEqual(['first', ' second']);
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(asProviderError(error).kind).toBe('protocol');
    });

    it('reports an upstream HTTP 500 as an upstream error carrying the status and message', async () => {
      const { provider } = await setup({ chat: { tokens: [], fault: { type: 'http-error', status: 500, message: 'the GPU caught fire' } } });
      const { parts, error } = await collectStream(provider.streamChat(chat()));
      expect(parts).toEqual([]);
      const providerError = asProviderError(error);
      expect(providerError.kind).toBe('upstream');
      expect(providerError.status).toBe(500);
      expect(providerError.message).toContain('the GPU caught fire');
    });

    it('reports a failing model list as an upstream error with its status', async () => {
      const { provider } = await setup({ fault: (request) => (request.endpoint === 'models' ? { type: 'http-error', status: 503, message: 'overloaded' } : undefined) });
      const error = await rejectionOf(provider.listModels());
      expect(error.kind).toBe('upstream');
      expect(error.status).toBe(503);
      expect(error.message).toContain('overloaded');
    });

    it('reports a model list that is not JSON as a protocol error', async () => {
      const { provider } = await setup({ fault: (request) => (request.endpoint === 'models' ? { type: 'malformed' } : undefined) });
      expect((await rejectionOf(provider.listModels())).kind).toBe('protocol');
    });

    it('reports a model the server does not have as model-not-found', async () => {
      const { provider } = await setup({ models: ['test-model'] });
      const { error } = await collectStream(provider.streamChat(chat({ model: 'no-such-model' })));
      const providerError = asProviderError(error);
      expect(providerError.kind).toBe('model-not-found');
      expect(providerError.status).toBe(404);
    });

    it('reports a server that refuses connections as unreachable', async () => {
      const provider = target.createProvider({ baseURL: await unreachableURL(), timeouts: RELAXED_TIMEOUTS });
      expect((await rejectionOf(provider.listModels())).kind).toBe('unreachable');
      const { error } = await collectStream(provider.streamChat(chat()));
      expect(asProviderError(error).kind).toBe('unreachable');
    });

    it('reports a server that never answers the model list as unreachable after the connect timeout', async () => {
      const { provider } = await setup({ fault: (request) => (request.endpoint === 'models' ? { type: 'hang' } : undefined) }, { connectMs: SHORT_MS });
      const startedAt = Date.now();
      const error = await rejectionOf(provider.listModels());
      expect(error.kind).toBe('unreachable');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SHORT_MS - 20);
    });

    it('ends with an aborted error and closes the upstream connection when the signal aborts mid-stream', async () => {
      const tokens = Array.from({ length: 20 }, (_, index) => `t${index} `);
      const { server, provider } = await setup({ chat: { tokens, delayMs: 40 } });
      const controller = new AbortController();
      const { deltas, parts, error } = await collectStream(provider.streamChat(chat({ signal: controller.signal })), (_, index) => {
        if (index === 1) controller.abort();
      });
      expect(deltas).toEqual(['t0 ', 't1 ']);
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(asProviderError(error).kind).toBe('aborted');
      expect(await settlesWithin(chatRequestOf(server).disconnected, DISCONNECT_WAIT_MS)).toBe(true);
    });

    it('fails with aborted without contacting the server when the signal is already aborted', async () => {
      const { server, provider } = await setup();
      const { error } = await collectStream(provider.streamChat(chat({ signal: AbortSignal.abort() })));
      expect(asProviderError(error).kind).toBe('aborted');
      expect(server.requests.filter((request) => request.endpoint === 'chat')).toEqual([]);
    });

    it('closes the upstream connection when the consumer breaks out of the loop', async () => {
      const tokens = Array.from({ length: 20 }, (_, index) => `t${index} `);
      const { server, provider } = await setup({ chat: { tokens, delayMs: 40 } });
      const received: string[] = [];
      for await (const part of provider.streamChat(chat())) {
        if (part.type === 'text-delta') received.push(part.text);
        if (received.length === 2) break;
      }
      expect(received).toEqual(['t0 ', 't1 ']);
      const request = chatRequestOf(server);
      expect(await settlesWithin(request.disconnected, DISCONNECT_WAIT_MS)).toBe(true);
      expect(request.wasDisconnected).toBe(true);
    });

    it('does not count a completed stream as a disconnect', async () => {
      const { server, provider } = await setup({ chat: { tokens: ['done'] } });
      await collectStream(provider.streamChat(chat()));
      expect(await settlesWithin(chatRequestOf(server).disconnected, 100)).toBe(false);
    });

    it('probes a running server as healthy, with its latency and model count', async () => {
      const { provider } = await setup({ models: ['alpha', 'beta'] });
      const result = await provider.probe();
      expect(result.status).toBe('healthy');
      expect(result.detail).toContain('2 models');
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
      expect(result.latencyMs).toBeLessThanOrEqual(2_000);
    });

    it('probes a server that refuses connections as down, with a hint', async () => {
      const provider = target.createProvider({ baseURL: await unreachableURL(), timeouts: RELAXED_TIMEOUTS });
      const result = await provider.probe();
      expect(result.status).toBe('down');
      expect(result.detail).toContain('ECONNREFUSED');
      expect(result.hint).toMatch(/\S/);
    });

    it('probes a server that does not answer as down within the probe timeout', async () => {
      server = await target.startServer({ fault: () => ({ type: 'hang' }) });
      const provider = target.createProvider({ baseURL: server.baseURL, timeouts: RELAXED_TIMEOUTS, probeTimeoutMs: SHORT_MS });
      const startedAt = Date.now();
      const result = await provider.probe();
      expect(result.status).toBe('down');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SHORT_MS - 20);
      expect(Date.now() - startedAt).toBeLessThan(SHORT_MS + 2_000);
    });

    it('declares native tool calls', async () => {
      const { provider } = await setup();
      expect(provider.capabilities.toolCalls).toBe(true);
    });

    it('sends no tools when the request has none', async () => {
      const { server, provider } = await setup();
      await collectStream(provider.streamChat(chat()));
      expect(chatRequestOf(server).body).not.toHaveProperty('tools');
    });

    it('offers the tools in function format and yields a single call with parsed arguments, then a tool-calls finish', async () => {
      const { server, provider } = await setup({ chat: { tokens: [], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] } });
      const { parts, error } = await collectStream(provider.streamChat(chat({ tools: [WEATHER_TOOL] })));
      expect(error).toBeUndefined();
      expect(parts).toEqual([
        { type: 'tool-call', id: expect.stringMatching(/\S/), name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
        { type: 'finish', finishReason: 'tool-calls', usage: expect.any(Object) },
      ]);
      expect((chatRequestOf(server).body as { tools: unknown }).tools).toEqual([
        { type: 'function', function: { name: 'get_weather', description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.parameters } },
      ]);
    });

    it('yields two parallel calls in order, with distinct ids, after the text that came first', async () => {
      const { provider } = await setup({
        chat: {
          tokens: ['Let me', ' check.'],
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Paris' } },
            { name: 'get_time', arguments: { city: 'Tokyo' } },
          ],
        },
      });
      const { parts, deltas, error } = await collectStream(provider.streamChat(chat({ tools: [WEATHER_TOOL, TIME_TOOL] })));
      expect(error).toBeUndefined();
      expect(deltas).toEqual(['Let me', ' check.']);
      const calls = toolCallsOf(parts);
      expect(calls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
        { name: 'get_weather', args: { city: 'Paris' } },
        { name: 'get_time', args: { city: 'Tokyo' } },
      ]);
      expect(new Set(calls.map((call) => call.id)).size).toBe(2);
      expect(parts.findIndex((part) => part.type === 'tool-call')).toBeGreaterThan(parts.findLastIndex((part) => part.type === 'text-delta'));
      expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    });

    it('reassembles long nested non-ASCII arguments streamed in pieces split inside characters', async () => {
      const args = { city: 'São Paulo', note: 'naïve 世界 🎉 "quoted" \\ back\nslash', nested: { days: [1, 2, 3], metric: true, ratio: 0.5, none: null } };
      const { provider } = await setup({ chat: { tokens: [], toolCalls: [{ id: 'call_fixed', name: 'get_weather', arguments: args }], splitInsideCharacters: true } });
      const { parts, error } = await collectStream(provider.streamChat(chat({ tools: [WEATHER_TOOL] })));
      expect(error).toBeUndefined();
      expect(toolCallsOf(parts)).toEqual([{ type: 'tool-call', id: 'call_fixed', name: 'get_weather', arguments: args }]);
    });

    it('fails with a protocol error naming the tool when its arguments are not valid JSON', async () => {
      const { provider } = await setup({ chat: { tokens: [], toolCalls: [{ name: 'get_weather', arguments: '{"city": "Par' }] } });
      const { parts, error } = await collectStream(provider.streamChat(chat({ tools: [WEATHER_TOOL] })));
      expect(toolCallsOf(parts)).toEqual([]);
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      const providerError = asProviderError(error);
      expect(providerError.kind).toBe('protocol');
      expect(providerError.message).toContain('"get_weather"');
    });

    it('sends the call and its result back in history, and the model can answer from the result', async () => {
      const { server, provider } = await setup({
        chat: (request) => {
          const [result] = requestToolResults(request);
          return result ? { tokens: ['It is ', result.content] } : { tokens: [], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
        },
      });
      const question: ChatMessage = { role: 'user', content: 'Weather in Paris?' };
      const first = await collectStream(provider.streamChat(chat({ messages: [question], tools: [WEATHER_TOOL] })));
      const [call] = toolCallsOf(first.parts);
      if (!call) throw new Error('the model made no call');
      const { type: _type, ...toolCall } = call;
      const history: ChatMessage[] = [
        question,
        { role: 'assistant', content: '', toolCalls: [toolCall] },
        { role: 'tool', content: '18 °C, light rain', toolCallId: call.id, toolName: call.name },
      ];
      const second = await collectStream(provider.streamChat(chat({ messages: history, tools: [WEATHER_TOOL] })));
      expect(second.error).toBeUndefined();
      expect(second.deltas.join('')).toBe('It is 18 °C, light rain');
      expect(second.parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
      const sent = requestMessages(server.requests.filter((request) => request.endpoint === 'chat')[1] as RecordedRequest);
      expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
      expect(sent[1]?.toolCalls).toEqual([{ id: expect.any(String), name: 'get_weather', arguments: { city: 'Paris' } }]);
      // Each protocol names the call its own way: OpenAI by id, Ollama by tool name.
      if (sent[2]?.toolCallId !== undefined) expect(sent[2].toolCallId).toBe(call.id);
      else expect(sent[2]?.toolName).toBe('get_weather');
      expect(requestTools(server.requests.at(-1) as RecordedRequest).map((tool) => tool.name)).toEqual(['get_weather']);
    });

    it('embeds every input into the vector the server computed, in input order', async () => {
      const { provider } = await setup({ embeddingDimensions: 3 });
      if (!provider.embed) throw new Error(`${name} declares no embed`);
      const input = ['hello world', 'ünïcödé'];
      const result = await provider.embed({ model: 'test-model', input });
      expect(result.embeddings).toEqual([testEmbedding('hello world', 3), testEmbedding('ünïcödé', 3)]);
      expect(result.usage).toEqual({ promptTokens: 3 });
    });
  });
}
