import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTestMcpServer, type HttpTestMcpServer } from '../../agents/mcp/test-support/http-test-server.js';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { requestMessages, requestTools } from '../../llm/test-support/test-server-script.js';
import { parseSse, startTestApp, testModelName, type TestApp } from '../test-support/test-app.js';

describe('an agent using the tools of an MCP server', () => {
  let mcp: HttpTestMcpServer;
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  beforeAll(async () => {
    mcp = await startHttpTestMcpServer();
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    // The MCP server runs on loopback: the admin allows that host for outbound requests.
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL, OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
    await mcp.close();
  });

  it('offers the MCP tools the agent lists, calls them over MCP and feeds the result back', async () => {
    const added = await t.app.inject({ method: 'POST', url: '/api/v1/admin/mcp-servers', payload: { name: 'maths', transport: 'streamable-http', url: mcp.url } });
    expect(added.statusCode).toBeLessThan(300);
    const agent = await t.app.inject({ method: 'POST', url: '/api/v1/agents/', payload: { id: 'mcp-adder', name: 'MCP adder', tools: ['mcp:maths/add', 'current_time'] } });
    expect(agent.statusCode).toBe(201);

    upstream.script.chat = (request) => {
      const result = requestMessages(request).filter((m) => m.role === 'tool').at(-1);
      return result ? { tokens: ['Sum: ', /\n(\d+)\n/.exec(result.content)![1]!] } : { tokens: [], toolCalls: [{ id: 'c1', name: 'maths__add', arguments: { a: 40, b: 2 } }] };
    };
    const events = parseSse((await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'add 40 and 2', agent: 'mcp-adder' } })).body);
    const offered = requestTools(upstream.requests.filter((r) => r.endpoint === 'chat')[0]!).map((tool) => tool.name).sort();
    expect(offered).toEqual(['current_time', 'maths__add']);
    expect(events.find((e) => e.event === 'tool-result')?.data).toEqual({ call_id: 'c1', tool: 'maths__add', content: '42', is_error: false });
    expect(events.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('')).toBe('Sum: 42');
  });

  it('keeps the agent working while its MCP server is down: the call comes back as an error result the model sees', async () => {
    await mcp.stop();
    try {
      upstream.script.chat = (request) => (requestMessages(request).some((m) => m.role === 'tool')
        ? { tokens: ['The adder is away.'] }
        : { tokens: [], toolCalls: [{ id: 'c2', name: 'maths__add', arguments: { a: 1, b: 2 } }] });
      const events = parseSse((await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'add again', agent: 'mcp-adder' } })).body);
      const offered = requestTools(upstream.requests.filter((r) => r.endpoint === 'chat').at(-1)!).map((tool) => tool.name);
      if (offered.includes('maths__add')) {
        // Offered from the tool list cached while it was up: the call fails as data.
        expect(events.find((e) => e.event === 'tool-result')?.data).toMatchObject({ tool: 'maths__add', is_error: true });
      }
      expect(offered).toContain('current_time');
      expect(events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'complete' } });
    } finally {
      await mcp.restart();
    }
  });
});

describe('an agent with tools on the real embedded model (JSON-constrained tool calls)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ realModel: true });
  });
  afterAll(() => t.close());

  it('runs the math agent on the tiny model: every step is a valid tool call or an answer, and the run ends', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'What is 2 + 2?', agent: 'math', temperature: 0, max_tokens: 400 } });
    const events = parseSse(response.body);
    expect(events[0]).toMatchObject({ event: 'message-start', data: { model: testModelName, provider: 'llama-cpp' } });
    const last = events.at(-1)!;
    expect(['message-end']).toContain(last.event);
    // Tool calls, if the model made any, name the agent's tool with object arguments and got a result.
    for (const call of events.filter((e) => e.event === 'tool-call')) {
      expect(call.data).toMatchObject({ tool: 'calculator', arguments: expect.any(Object) });
    }
    expect(events.filter((e) => e.event === 'tool-result')).toHaveLength(events.filter((e) => e.event === 'tool-call').length);
    const text = events.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('');
    // The constrained answer arrives as plain text, not as the JSON envelope it was generated in.
    expect(text.trimStart().startsWith('{"')).toBe(false);
    const stored = (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${events[0]!.data.session_id}` })).json();
    expect(stored.messages[1]).toMatchObject({ content: text, status: expect.stringMatching(/complete|interrupted/) });
  });
});
