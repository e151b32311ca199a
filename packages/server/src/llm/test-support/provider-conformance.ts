import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest, Provider, ProviderTimeouts } from '../provider.js';
import { unreachableURL } from './scripted-http-server.js';
import { asProviderError, collectStream, rejectionOf, settlesWithin } from './stream-assertions.js';
import { testEmbedding, type RecordedRequest, type TestServer, type TestServerScript } from './test-server-script.js';

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
      const { deltas, error } = await collectStream(provider.streamChat(chat()));
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
