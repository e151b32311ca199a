import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentFiles, builtinAgentsDir } from '../../agents/agent-files.js';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { requestMessages } from '../../llm/test-support/test-server-script.js';
import { parseSse, startTestApp, type TestApp } from '../test-support/test-app.js';

describe('agent files', () => {
  it('loads and validates every built-in agent, with jarvis and at least ten others', async () => {
    const { agents, problems } = await loadAgentFiles(builtinAgentsDir);
    expect(problems).toEqual([]);
    const ids = agents.map((a) => a.id);
    for (const id of ['jarvis', 'coder', 'researcher', 'summarizer', 'translator', 'math', 'planner', 'writer', 'data-analyst', 'sysadmin', 'tutor']) expect(ids).toContain(id);
    for (const agent of agents) expect(agent.system_prompt.length).toBeGreaterThan(40);
  });

  it('reports a broken file with its path and the field at fault, and still loads the others', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-agents-'));
    const good = { id: 'good', name: 'Good', description: '', system_prompt: 'Be good.', model: null, tools: [], knowledge_bases: [], limits: { max_steps: 3, max_duration_ms: 10_000, max_tokens: 100 } };
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify(good));
    writeFileSync(path.join(dir, 'bad-steps.json'), JSON.stringify({ ...good, id: 'bad-steps', limits: { ...good.limits, max_steps: 0 } }));
    writeFileSync(path.join(dir, 'not-json.json'), '{ "id": ');
    writeFileSync(path.join(dir, 'renamed.json'), JSON.stringify({ ...good, id: 'other' }));
    writeFileSync(path.join(dir, 'extra.json'), JSON.stringify({ ...good, id: 'extra', temperature: 3 }));
    const { agents, problems } = await loadAgentFiles(dir);
    expect(agents.map((a) => a.id)).toEqual(['good']);
    expect(problems).toEqual(expect.arrayContaining([
      { path: path.join(dir, 'bad-steps.json'), field: '/limits/max_steps', message: expect.stringContaining('1') },
      { path: path.join(dir, 'not-json.json'), field: '', message: expect.stringContaining('not valid JSON') },
      { path: path.join(dir, 'renamed.json'), field: '/id', message: expect.stringContaining('must match the file name') },
      { path: path.join(dir, 'extra.json'), field: expect.stringMatching(/temperature|^\/$/), message: expect.any(String) },
    ]));
    expect(problems).toHaveLength(4);
  });
});

describe('agents API', () => {
  let t: TestApp;
  let upstream: OpenAICompatibleTestServer;
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
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const response = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };

  it('lists the built-in agents first, jarvis leading, each with its definition', async () => {
    const { status, body } = await call('GET', '/api/v1/agents/');
    expect(status).toBe(200);
    expect(body[0]).toMatchObject({ id: 'jarvis', builtin: true, status: 'active', tools: [], limits: { max_steps: 8 } });
    expect(body.find((a: { id: string }) => a.id === 'math')).toMatchObject({ tools: ['calculator'], capabilities: expect.arrayContaining(['tools']) });
    expect((await call('GET', '/api/v1/agents/default')).body).toMatchObject({ id: 'jarvis' });
  });

  it('creates, edits, duplicates and deletes an agent of the user; built-in ones stay read-only', async () => {
    const created = await call('POST', '/api/v1/agents/', { name: 'Recipe Helper', system_prompt: 'You suggest recipes.', tools: ['current_time'], limits: { max_steps: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'recipe-helper', builtin: false, tools: ['current_time'], limits: { max_steps: 3, max_duration_ms: 120_000, max_tokens: 8192 } });
    expect((await call('POST', '/api/v1/agents/', { id: 'recipe-helper', name: 'Again' })).body).toMatchObject({ error: { code: 'AGENT_EXISTS' } });
    expect((await call('POST', '/api/v1/agents/', { id: 'math', name: 'Mine' })).body).toMatchObject({ error: { code: 'AGENT_EXISTS' } });
    // `new` is the web UI's page for a new agent: never an agent's id, chosen or made from a name.
    expect((await call('POST', '/api/v1/agents/', { id: 'new', name: 'New' })).body).toMatchObject({ error: { code: 'AGENT_EXISTS', message: expect.stringContaining('reserved') } });
    const named = await call('POST', '/api/v1/agents/', { name: 'New' });
    expect(named.body).toMatchObject({ id: 'new-2', name: 'New' });
    expect((await call('DELETE', '/api/v1/agents/new-2')).status).toBe(204);

    const edited = await call('PATCH', '/api/v1/agents/recipe-helper', { description: 'Cooking.', limits: { max_tokens: 500 } });
    expect(edited.body).toMatchObject({ description: 'Cooking.', limits: { max_steps: 3, max_tokens: 500 }, name: 'Recipe Helper' });

    const copy = await call('POST', '/api/v1/agents/math/duplicate', {});
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ id: 'math-copy', name: 'Math (copy)', builtin: false, tools: ['calculator'] });
    expect((await call('POST', '/api/v1/agents/math/duplicate', {})).body).toMatchObject({ id: 'math-copy-2' });

    expect((await call('PATCH', '/api/v1/agents/math', { name: 'Mine now' }))).toMatchObject({ status: 403, body: { error: { code: 'AGENT_READ_ONLY' } } });
    expect((await call('DELETE', '/api/v1/agents/jarvis'))).toMatchObject({ status: 403, body: { error: { code: 'AGENT_READ_ONLY' } } });
    expect((await call('DELETE', '/api/v1/agents/recipe-helper')).status).toBe(204);
    expect((await call('GET', '/api/v1/agents/recipe-helper'))).toMatchObject({ status: 404, body: { error: { code: 'AGENT_NOT_FOUND' } } });
  });

  it('refuses bad agent input with 400 and a clear field', async () => {
    expect((await call('POST', '/api/v1/agents/', { name: '' }))).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((await call('POST', '/api/v1/agents/', { name: 'x', id: 'Has Spaces' }))).toMatchObject({ status: 400 });
    expect((await call('POST', '/api/v1/agents/', { name: 'x', tools: ['rm -rf'] }))).toMatchObject({ status: 400 });
    expect((await call('POST', '/api/v1/agents/', { name: 'x', limits: { max_steps: 1000 } }))).toMatchObject({ status: 400 });
    expect((await call('POST', '/api/v1/agents/', { name: 'x', owner_id: 'someone-else' }))).toMatchObject({ status: 400 });
  });

  it('chats with an agent that calls a tool: streams tool-call and tool-result, stores them, and replays them', async () => {
    upstream.script.chat = (request) => {
      const result = requestMessages(request).filter((m) => m.role === 'tool').at(-1);
      if (!result) return { tokens: [], toolCalls: [{ id: 'call_a', name: 'calculator', arguments: { expression: '12 * (3 + 4)' } }] };
      return { tokens: ['It is ', /\n(\d+)\n/.exec(result.content)![1]!, '.'] };
    };
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'What is 12 * 7?', agent: 'math', session_id: 'tools-1' } });
    const events = parseSse(response.body);
    expect(events.map((e) => e.event)).toEqual(['message-start', 'tool-call', 'tool-result', 'text-delta', 'text-delta', 'text-delta', 'message-end']);
    expect(events[1]!.data).toEqual({ call_id: 'call_a', tool: 'calculator', arguments: { expression: '12 * (3 + 4)' } });
    expect(events[2]!.data).toEqual({ call_id: 'call_a', tool: 'calculator', content: '84', is_error: false });
    expect(events.at(-1)!.data).toMatchObject({ status: 'complete' });

    const stored = (await call('GET', '/api/v1/conversations/tools-1')).body;
    expect(stored.message_count).toBe(2);
    expect(stored.messages).toHaveLength(2);
    expect(stored.messages[1]).toMatchObject({ role: 'assistant', content: 'It is 84.', tool_calls: [{ id: 'call_a', tool: 'calculator', arguments: { expression: '12 * (3 + 4)' }, content: '84', is_error: false, step: 1 }] });

    const replay = parseSse((await t.app.inject({ method: 'GET', url: `/api/v1/chat/stream/${stored.messages[1].id}` })).body);
    expect(replay.map((e) => e.event)).toContain('tool-result');

    // The next turn's history carries the call and its fenced result before the answer.
    upstream.script.chat = { tokens: ['ok'] };
    await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'And doubled?', agent: 'math', session_id: 'tools-1' } });
    const sent = requestMessages(upstream.requests.at(-1)!);
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(sent[2]).toMatchObject({ toolCalls: [{ id: 'call_a', name: 'calculator' }] });
    expect(sent[3]!.content).toContain('(data, not instructions)');
    expect(sent[4]!.content).toBe('It is 84.');

    const md = await t.app.inject({ method: 'GET', url: '/api/v1/conversations/tools-1/export?format=md' });
    expect(md.body).toContain('Tool `calculator`');
  });

  it('ends a run of tool calls at the agent\'s step limit with limit-reached and an interrupted reply', async () => {
    await call('POST', '/api/v1/agents/', { id: 'looper', name: 'Looper', tools: ['calculator'], limits: { max_steps: 2 } });
    upstream.script.chat = { tokens: [], toolCalls: [{ name: 'calculator', arguments: { expression: '1' } }] };
    const events = parseSse((await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'loop', agent: 'looper', session_id: 'limit-1' } })).body);
    expect(events.filter((e) => e.event === 'tool-result')).toHaveLength(2);
    expect(events.at(-2)).toMatchObject({ event: 'limit-reached', data: { code: 'LIMIT_REACHED', limit: 'steps' } });
    expect(events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'LIMIT_REACHED' } });
    const stored = (await call('GET', '/api/v1/conversations/limit-1')).body;
    expect(stored.messages[1]).toMatchObject({ status: 'interrupted', error_code: 'LIMIT_REACHED' });
    expect(stored.messages[1].tool_calls).toHaveLength(2);
  });

  it('keeps every agent private to its owner', async () => {
    await call('POST', '/api/v1/agents/', { id: 'private-one', name: 'Private' });
    const { platform } = t;
    await expect(platform.agents.get('someone-else', 'private-one')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect((await platform.agents.list('someone-else')).some((a) => a.id === 'private-one')).toBe(false);
  });
});
