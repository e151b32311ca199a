import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaTestServer, type OllamaTestServer } from '../test-support/ollama-test-server.js';
import { rejectionOf, settlesWithin } from '../test-support/stream-assertions.js';
import { readNdjsonLines } from './line-readers.js';
import { createUpstreamClient } from './upstream-client.js';

const relaxed = { connectMs: 5_000, firstTokenMs: 5_000, betweenTokensMs: 5_000 };
/** Token timeouts far shorter than the pull's pauses, with time enough for the headers. */
const shortTokens = { connectMs: 5_000, firstTokenMs: 300, betweenTokensMs: 150 };

describe('upstream client', () => {
  let server: OllamaTestServer | undefined;
  // Node loads its fetch implementation on first use, which can eat a 300 ms budget.
  beforeAll(async () => {
    const warmUp = await startOllamaTestServer();
    await fetch(`${warmUp.url}/api/version`).then((response) => response.text());
    await warmUp.close();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends JSON with the configured headers through the injected fetch', async () => {
    server = await startOllamaTestServer();
    const calls: { url: string; method: string | undefined }[] = [];
    const injected: typeof fetch = (input, init) => {
      calls.push({ url: String(input), method: init?.method });
      return fetch(input, init);
    };
    const client = createUpstreamClient({ providerId: 'test', timeouts: relaxed, fetch: injected, headers: { 'x-trace': 'abc' } });
    const answer = await client.json(`${server.url}/api/embed`, { body: { model: 'test-model', input: ['a'] } });
    expect(answer).toMatchObject({ model: 'test-model', embeddings: [[1, expect.any(Number), expect.any(Number), expect.any(Number)]] });
    expect(calls).toEqual([{ url: `${server.url}/api/embed`, method: 'POST' }]);
    expect(server.requests[0]?.headers).toMatchObject({ 'x-trace': 'abc', 'content-type': 'application/json', accept: 'application/json' });
  });

  it('waits for headers up to the first-token budget, and calls missing ones a timeout, when asked to', async () => {
    server = await startOllamaTestServer({ fault: () => ({ type: 'hang' }) });
    const client = createUpstreamClient({ providerId: 'test', timeouts: { ...relaxed, connectMs: 100, firstTokenMs: 250 } });
    const startedAt = Date.now();
    const error = await rejectionOf(client.json(`${server.url}/api/tags`, { headersDeadline: 'first-token' }));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(230);
  });

  it('fails a JSON answer whose body stalls after the headers with a timeout', async () => {
    server = await startOllamaTestServer({ fault: () => ({ type: 'stall' }) });
    const client = createUpstreamClient({ providerId: 'test', timeouts: { ...relaxed, connectMs: 500 } });
    expect((await rejectionOf(client.json(`${server.url}/api/tags`))).kind).toBe('timeout');
  });

  it('reports a connection cut inside a JSON answer as a protocol error', async () => {
    server = await startOllamaTestServer({ fault: () => ({ type: 'cut' }) });
    const client = createUpstreamClient({ providerId: 'test', timeouts: relaxed });
    expect((await rejectionOf(client.json(`${server.url}/api/tags`))).kind).toBe('protocol');
  });

  it('applies no token timeouts when they are off, yet still releases on cancel', async () => {
    server = await startOllamaTestServer({ pullDelayMs: 200 });
    const client = createUpstreamClient({ providerId: 'test', timeouts: shortTokens });
    const upstream = await client.stream(`${server.url}/api/pull`, { body: { model: 'x' }, contentTypes: ['application/x-ndjson'], tokenTimeouts: false });
    const lines: string[] = [];
    for await (const line of readNdjsonLines(upstream.body)) {
      lines.push(line);
      if (lines.length === 3) break;
    }
    expect(lines[2]).toContain('"completed":1500');
    const pull = server.requests.find((request) => request.endpoint === 'pull');
    expect(await settlesWithin(pull?.disconnected ?? Promise.reject(new Error('no pull')), 1_000)).toBe(true);
  });
});
