import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../net/outbound-guard.js';
import { startOllamaTestServer, type OllamaTestServer } from '../test-support/ollama-test-server.js';
import { rejectionOf, settlesWithin } from '../test-support/stream-assertions.js';
import { readNdjsonLines, readServerSentEvents, SSE_DONE } from './line-readers.js';
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

  it('keeps the connection for the next request when the answer ends a moment after its last event', async () => {
    const ports: number[] = [];
    const sse = createServer((request, response) => {
      ports.push(request.socket.remotePort ?? 0);
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"n":1}\n\n');
      response.write(`data: ${SSE_DONE}\n\n`);
      setTimeout(() => response.end(), 20);
    });
    await new Promise<void>((resolve) => sse.listen(0, '127.0.0.1', resolve));
    const guardedFetch = createGuardedFetch({ allowLoopback: true });
    try {
      const url = `http://127.0.0.1:${(sse.address() as AddressInfo).port}/v1/chat/completions`;
      const client = createUpstreamClient({ providerId: 'test', timeouts: relaxed, fetch: guardedFetch });
      for (let round = 0; round < 2; round++) {
        const upstream = await client.stream(url, { body: {}, contentTypes: ['text/event-stream'], tokenTimeouts: true });
        for await (const event of readServerSentEvents(upstream.body)) {
          if (event.data === SSE_DONE) {
            upstream.finish();
            break;
          }
        }
        upstream.release();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(ports).toHaveLength(2);
      expect(ports[1]).toBe(ports[0]);
    } finally {
      guardedFetch.close();
      sse.close();
    }
  });
});
