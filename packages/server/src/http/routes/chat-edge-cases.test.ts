import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { parseSse, readSse, startTestApp, type TestApp } from '../test-support/test-app.js';

const tokens = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `);

describe('chat through an OpenAI-compatible server, edge cases', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    url = await t.listen();
  });
  afterEach(() => {
    upstream.script.chat = undefined;
    upstream.script.fault = undefined;
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const conversation = async (id: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}` })).json();

  it('stores a reply cut mid-stream as interrupted with the delivered text', async () => {
    upstream.script.chat = { tokens: ['Hello', ' there'], fault: { type: 'cut' } };
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'hi', session_id: 'cut-1' } });
    const events = parseSse(response.body);
    expect(events.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('')).toBe('Hello there');
    expect(events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'PROVIDER_PROTOCOL_ERROR' } });
    const stored = await conversation('cut-1');
    expect(stored.messages[1]).toMatchObject({ content: 'Hello there', status: 'interrupted', error_code: 'PROVIDER_PROTOCOL_ERROR' });
  });

  it('stores a stalled reply as interrupted after the between-token timeout', async () => {
    upstream.script.chat = { tokens: ['Once'], fault: { type: 'stall' } };
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'hi', session_id: 'stall-1' } });
    expect(parseSse(response.body).at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'PROVIDER_TIMEOUT' } });
    expect((await conversation('stall-1')).messages[1]).toMatchObject({ content: 'Once', status: 'interrupted', error_code: 'PROVIDER_TIMEOUT' });
  });

  it('answers the non-streaming route with 504 when the model server never sends a token', async () => {
    upstream.script.chat = { tokens: [], fault: { type: 'stall' } };
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'hi', session_id: 'stall-2' } });
    expect(response.statusCode).toBe(504);
    expect(response.json().error).toMatchObject({ code: 'PROVIDER_TIMEOUT', retryable: true });
    expect((await conversation('stall-2')).messages[1]).toMatchObject({ content: '', status: 'error', error_code: 'PROVIDER_TIMEOUT' });
  });

  it('reports a malformed chunk as a protocol error and keeps the text before it', async () => {
    upstream.script.chat = { tokens: ['A', 'B'], fault: { type: 'malformed' } };
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'hi', session_id: 'bad-1' } });
    expect(parseSse(response.body).at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'PROVIDER_PROTOCOL_ERROR' } });
    expect((await conversation('bad-1')).messages[1]).toMatchObject({ content: 'AB', status: 'interrupted' });
  });

  it('maps an upstream HTTP error to 502 with the upstream message', async () => {
    upstream.script.fault = (request) => (request.endpoint === 'chat' ? { type: 'http-error', status: 500, message: 'GPU on fire' } : undefined);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'hi' } });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('PROVIDER_ERROR');
    expect(response.json().error.message).toContain('GPU on fire');
  });

  it('stops a generation on request, aborts the upstream request and keeps the partial reply', async () => {
    upstream.script.chat = { tokens: tokens(200), delayMs: 20 };
    const response = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'go', session_id: 'stop-1' }) });
    let messageId = '';
    let text = '';
    let end: Record<string, unknown> | undefined;
    let stopped = false;
    for await (const event of readSse(response)) {
      if (event.event === 'message-start') messageId = event.data.message_id as string;
      if (event.event === 'text-delta') {
        text += event.data.text as string;
        if (text.length > 20 && !stopped) {
          stopped = true;
          const stop = await fetch(`${url}/api/v1/chat/stream/${messageId}/stop`, { method: 'POST' });
          expect(stop.status).toBe(202);
        }
      }
      if (event.event === 'message-end') end = event.data;
    }
    expect(end).toMatchObject({ status: 'interrupted', finish_reason: 'stopped' });
    expect(text.length).toBeLessThan(tokens(200).join('').length);
    await upstream.requests.at(-1)!.disconnected;
    const stored = await conversation('stop-1');
    expect(stored.messages[1]).toMatchObject({ content: text, status: 'interrupted' });
  });

  it('resumes a stream with Last-Event-ID on a new connection without losing or repeating text', async () => {
    upstream.script.chat = { tokens: tokens(60), delayMs: 5 };
    const controller = new AbortController();
    const first = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'go', session_id: 'resume-1' }), signal: controller.signal });
    let text = '';
    let lastId = '';
    let messageId = '';
    try {
      for await (const event of readSse(first)) {
        lastId = event.id!;
        if (event.event === 'message-start') messageId = event.data.message_id as string;
        if (event.event === 'text-delta') text += event.data.text as string;
        if (text.length >= 30) break;
      }
    } finally {
      controller.abort();
    }
    // Reconnect the way EventSource does: the same request with Last-Event-ID.
    const second = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json', 'last-event-id': lastId }, body: JSON.stringify({ message: 'go', session_id: 'resume-1' }) });
    let end: Record<string, unknown> | undefined;
    for await (const event of readSse(second)) {
      if (event.event === 'message-start') throw new Error('a resume must not start a new reply');
      if (event.event === 'text-delta') text += event.data.text as string;
      if (event.event === 'message-end') end = event.data;
    }
    expect(end).toMatchObject({ status: 'complete' });
    expect(text).toBe(tokens(60).join(''));
    const stored = await conversation('resume-1');
    expect(stored.messages).toHaveLength(2);
    expect(stored.messages[1]).toMatchObject({ id: messageId, content: text, status: 'complete' });
  });

  it('replays the rest of a finished reply from storage once it has left memory', async () => {
    upstream.script.chat = { tokens: ['one ', 'two ', 'three'] };
    const events = parseSse((await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'count', session_id: 'replay-1' } })).body);
    const afterFirstDelta = events.find((e) => e.event === 'text-delta')!.id!;
    t.platform.hub.close(); // forget every stream, as after the retention time
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/chat/stream/${afterFirstDelta.split(':')[0]}`, headers: { 'last-event-id': afterFirstDelta } });
    const replay = parseSse(response.body);
    expect(replay.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('')).toBe('two three');
    expect(replay.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'complete' } });
  });

  it('stops the upstream request when the client disconnects and nobody resumes', async () => {
    upstream.script.chat = { tokens: tokens(500), delayMs: 20 };
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'go', session_id: 'gone-1' }), signal: controller.signal });
    let text = '';
    try {
      for await (const event of readSse(response)) {
        if (event.event === 'text-delta') text += event.data.text as string;
        if (text.length > 10) break;
      }
    } finally {
      controller.abort();
    }
    await upstream.requests.at(-1)!.disconnected;
    await waitFor(async () => (await conversation('gone-1')).messages[1].status === 'interrupted');
    const stored = await conversation('gone-1');
    expect(stored.messages[1].content.startsWith(text)).toBe(true);
    expect(stored.messages[1].content.length).toBeLessThan(tokens(500).join('').length);
  });

  it('chats over the WebSocket, and a stop frame cancels the reply', async () => {
    upstream.script.chat = { tokens: tokens(300), delayMs: 10 };
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/chat/ws`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const frames: Record<string, unknown>[] = [];
    const done = new Promise<void>((resolve) => socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'text-delta' && frames.filter((f) => f.type === 'text-delta').length === 5) socket.send(JSON.stringify({ type: 'stop' }));
      if (frame.type === 'message-end' || frame.type === 'error') resolve();
    }));
    socket.send(JSON.stringify({ type: 'chat', message: 'go', session_id: 'ws-1' }));
    await done;
    socket.close();
    expect(frames[0]).toMatchObject({ type: 'message-start', session_id: 'ws-1' });
    expect(frames.at(-1)).toMatchObject({ type: 'message-end', status: 'interrupted' });
    expect(typeof frames[1]!.id).toBe('string');
    const text = frames.filter((f) => f.type === 'text-delta').map((f) => f.text).join('');
    expect((await conversation('ws-1')).messages[1]).toMatchObject({ content: text, status: 'interrupted' });
  });

  it('answers a bad WebSocket frame with an error frame and keeps the socket open', async () => {
    upstream.script.chat = { tokens: ['ok'] };
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/chat/ws`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const next = () => new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
    let reply = next();
    socket.send('not json');
    expect(await reply).toMatchObject({ type: 'error', code: 'INVALID_JSON' });
    reply = next();
    socket.send(JSON.stringify({ type: 'chat' }));
    expect(await reply).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    reply = next();
    socket.send(JSON.stringify({ type: 'chat', message: 'still there?' }));
    expect(await reply).toMatchObject({ type: 'message-start' });
    socket.close();
  });
});

describe('chat with no model anywhere', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 503 NO_MODEL_AVAILABLE with the three ways to get a model, and stores nothing', async () => {
    for (const route of ['/api/v1/chat/', '/api/v1/chat/stream']) {
      const response = await t.app.inject({ method: 'POST', url: route, payload: { message: 'hello', session_id: 'nothing' } });
      expect(response.statusCode).toBe(503);
      const { error } = response.json();
      expect(error.code).toBe('NO_MODEL_AVAILABLE');
      expect(error.hint).toMatch(/Ollama/);
      expect(error.hint).toMatch(/OPENAI_BASE_URL/);
      expect(error.hint).toMatch(/MODELS_DIR/);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/conversations/nothing' })).statusCode).toBe(404);
  });

  it('reports degraded health (no provider answers) but not down', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/detailed' });
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('degraded');
  });

  it('lists no models rather than unavailable ones', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/models/' })).json()).toMatchObject({ models: [], count: 0, detailed: [] });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
