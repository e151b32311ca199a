import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { requestMessages } from '../../llm/test-support/test-server-script.js';
import { parseSse, startTestApp, until, type TestApp } from '../test-support/test-app.js';

const tokens = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

describe('agent runs in the background (in-process queue)', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
  });
  afterEach(() => {
    upstream.script.chat = undefined;
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  const call = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => {
    const response = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json() };
  };
  const runOf = (id: string) => call('GET', `/api/v1/runs/${id}`).then((r) => r.body);

  it('queues a run, runs the agent with its tools, and stores the result, the events and the conversation', async () => {
    upstream.script.chat = (request) => {
      const result = requestMessages(request).filter((m) => m.role === 'tool').at(-1);
      return result ? { tokens: ['Total: ', /\n(\d+)\n/.exec(result.content)![1]!] } : { tokens: [], toolCalls: [{ name: 'calculator', arguments: { expression: '19 + 23' } }] };
    };
    const started = await call('POST', '/api/v1/agents/math/runs', { input: 'Add 19 and 23.' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ agent_id: 'math', status: expect.stringMatching(/queued|running/), input: 'Add 19 and 23.', result: null });
    const done = await until(() => runOf(started.body.id), (run) => run.status === 'succeeded');
    expect(done).toMatchObject({ result: 'Total: 42', attempts: 1, error_code: null, finished_at: expect.any(Number) });

    const events = parseSse((await t.app.inject({ method: 'GET', url: `/api/v1/runs/${done.id}/events` })).body);
    // Live from memory (message-start first) or rebuilt from storage: the same story either way.
    expect(events.map((e) => e.event).filter((name) => name !== 'message-start' && name !== 'text-delta')).toEqual(['tool-call', 'tool-result', 'message-end']);
    expect(events.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('')).toBe('Total: 42');
    const conversation = (await call('GET', `/api/v1/conversations/${done.conversation_id}`)).body;
    expect(conversation.messages[1]).toMatchObject({ id: done.message_id, content: 'Total: 42', tool_calls: [{ tool: 'calculator', content: '42' }] });

    const list = (await call('GET', '/api/v1/runs?agent=math')).body;
    expect(list.items[0]).toMatchObject({ id: done.id });
  });

  it('streams a live run to a watcher, and the run goes on when the watcher leaves', async () => {
    upstream.script.chat = { tokens: tokens(40), delayMs: 10 };
    const { body: run } = await call('POST', '/api/v1/agents/jarvis/runs', { input: 'Write a lot.' });
    const running = await until(() => runOf(run.id), (r) => r.message_id !== null);
    const url = await t.listen();
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/runs/${running.id}/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const done = await until(() => runOf(run.id), (r) => r.status !== 'running' && r.status !== 'queued');
    expect(done).toMatchObject({ status: 'succeeded', result: tokens(40).join('') });
  });

  it('cancels a running run: the run is cancelled, the reply interrupted with what it had, and a second cancel is refused', async () => {
    upstream.script.chat = { tokens: tokens(400), delayMs: 10 };
    const { body: run } = await call('POST', '/api/v1/agents/jarvis/runs', { input: 'Go on for long.' });
    await until(() => runOf(run.id), (r) => r.status === 'running' && r.message_id !== null);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancelled = await call('POST', `/api/v1/runs/${run.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    await until(() => upstream.requests.at(-1)!.disconnected.then(() => true), Boolean);
    const after = await runOf(run.id);
    expect(after).toMatchObject({ status: 'cancelled', error_code: 'GENERATION_STOPPED' });
    const reply = await until(async () => (await call('GET', `/api/v1/conversations/${after.conversation_id}`)).body.messages[1], (m) => m.status !== 'generating');
    expect(reply.status).toBe('interrupted');
    expect(reply.content.length).toBeGreaterThan(0);
    expect(await call('POST', `/api/v1/runs/${run.id}/cancel`)).toMatchObject({ status: 409, body: { error: { code: 'RUN_FINISHED' } } });
  });

  it('fails a run cleanly when its agent reaches a limit or does not exist', async () => {
    await call('POST', '/api/v1/agents/', { id: 'one-step', name: 'One step', tools: ['calculator'], limits: { max_steps: 1 } });
    upstream.script.chat = { tokens: [], toolCalls: [{ name: 'calculator', arguments: { expression: '1' } }] };
    const { body: run } = await call('POST', '/api/v1/agents/one-step/runs', { input: 'loop' });
    expect(await until(() => runOf(run.id), (r) => r.status === 'failed')).toMatchObject({ error_code: 'LIMIT_REACHED' });
    expect(await call('POST', '/api/v1/agents/nobody/runs', { input: 'x' })).toMatchObject({ status: 404, body: { error: { code: 'AGENT_NOT_FOUND' } } });
    expect(await call('GET', '/api/v1/runs/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'RUN_NOT_FOUND' } } });
    expect(await call('POST', '/api/v1/agents/jarvis/runs', { input: '' })).toMatchObject({ status: 400 });
  });

  it('keeps runs private to their owner', async () => {
    upstream.script.chat = { tokens: ['ok'] };
    const { body: run } = await call('POST', '/api/v1/agents/jarvis/runs', { input: 'mine' });
    await expect(t.platform.runs.get('someone-else', run.id)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(t.platform.runs.cancel('someone-else', run.id)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect((await t.platform.runs.list('someone-else', { limit: 10 })).items).toEqual([]);
  });
});

describe('agent runs survive an API restart (in-process queue)', () => {
  it('finishes a run that was running when the server stopped, once it is back, with one stored result', async () => {
    const upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: tokens(300), delayMs: 10 } });
    try {
      const first = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
      const started = (await first.app.inject({ method: 'POST', url: '/api/v1/agents/jarvis/runs', payload: { input: 'Long job.' } })).json<{ id: string }>();
      await until(async () => (await first.app.inject({ method: 'GET', url: `/api/v1/runs/${started.id}` })).json(), (r) => r.status === 'running');
      await first.close();
      upstream.script.chat = { tokens: ['Done', ' again'] };
      const second = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL }, dir: first.dir });
      try {
        const done = await until(async () => (await second.app.inject({ method: 'GET', url: `/api/v1/runs/${started.id}` })).json(), (r) => r.status === 'succeeded');
        expect(done).toMatchObject({ result: 'Done again', attempts: 2 });
        const all = (await second.app.inject({ method: 'GET', url: '/api/v1/runs' })).json().items;
        expect(all).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await upstream.close();
    }
  });
});
