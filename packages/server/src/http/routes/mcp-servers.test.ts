import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpTestMcpServer } from '../../agents/mcp/test-support/http-test-server.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

const script = fileURLToPath(new URL('../../agents/mcp/test-support/stdio-test-server.mjs', import.meta.url));
const stdioBody = { name: 'local', transport: 'stdio', command: process.execPath, args: [script], env: { API_TOKEN: 'secret-value' } };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(env: Record<string, string> = {}, dir?: string): Promise<TestApp> {
  const started = await startTestApp({ env, ...(dir ? { dir } : {}) });
  cleanups.push(() => started.close());
  return started;
}

const inject = (t: TestApp, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, ...(payload ? { payload } : {}), headers });

describe('GET /api/v1/tools', () => {
  it('lists the built-in tools, http_fetch off unless enabled', async () => {
    const t = await app();
    const response = await inject(t, 'GET', '/api/v1/tools');
    expect(response.statusCode).toBe(200);
    expect(response.json().map((tool: { name: string; enabled: boolean }) => [tool.name, tool.enabled])).toEqual([
      ['calculator', true], ['current_time', true], ['http_fetch', false], ['system_health', true], ['knowledge_search', true],
    ]);
    expect(response.json()[0]).toMatchObject({ source: 'builtin', parameters: { type: 'object', required: ['expression'] }, description: expect.any(String) });
    const enabled = await app({ HTTP_FETCH_ENABLED: 'true' });
    expect((await inject(enabled, 'GET', '/api/v1/tools')).json().find((tool: { name: string }) => tool.name === 'http_fetch').enabled).toBe(true);
  });

  it('gives the platform a registry the agent loop can resolve', async () => {
    const t = await app();
    const { tools, missing } = await t.platform.tools.resolve(['calculator', 'http_fetch', 'knowledge_search', 'no_such_tool']);
    expect(tools.map((tool) => tool.name)).toEqual(['calculator', 'knowledge_search']);
    expect(missing).toEqual(['http_fetch', 'no_such_tool']);
    const health = await t.platform.tools.resolve(['system_health']);
    const report = JSON.parse((await health.tools[0]!.execute({}, { ownerId: 'local', signal: new AbortController().signal, role: 'admin' })).content);
    expect(report.services.map((service: { name: string }) => service.name)).toContain('database');
  });
});

describe('/api/v1/admin/mcp-servers', () => {
  it('refuses stdio servers unless MCP_STDIO_ENABLED', async () => {
    const t = await app();
    const response = await inject(t, 'POST', '/api/v1/admin/mcp-servers', stdioBody);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ code: 'MCP_STDIO_DISABLED', hint: expect.stringMatching(/MCP_STDIO_ENABLED=true/) });
  });

  it('adds a stdio server, shows it masked, lists its tools, probes it, and removes it', async () => {
    const t = await app({ MCP_STDIO_ENABLED: 'true' });
    const created = await inject(t, 'POST', '/api/v1/admin/mcp-servers', stdioBody);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ name: 'local', transport: 'stdio', command: process.execPath, args: [script], env: { API_TOKEN: '********' }, enabled: true, disabled_reason: null });
    expect((await inject(t, 'POST', '/api/v1/admin/mcp-servers', stdioBody)).statusCode).toBe(200);
    expect((await inject(t, 'GET', '/api/v1/admin/mcp-servers')).json()).toEqual({ items: [created.json()] });

    const tools = await inject(t, 'GET', '/api/v1/admin/mcp-servers/local/tools');
    expect(tools.statusCode).toBe(200);
    expect(tools.json().items).toContainEqual({ name: 'local__echo', mcp_name: 'echo', description: 'Returns the text it is given.', parameters: expect.objectContaining({ type: 'object' }) });
    expect((await inject(t, 'GET', '/api/v1/tools')).json().map((tool: { name: string }) => tool.name)).toContain('local__dotted_name');

    const { tools: resolved } = await t.platform.tools.resolve(['mcp:local/echo']);
    expect(await resolved[0]!.execute({ text: 'from the loop' }, { ownerId: 'local', signal: new AbortController().signal })).toEqual({ content: 'from the loop' });

    const health = (await inject(t, 'GET', '/health/detailed')).json();
    expect(health.services).toContainEqual(expect.objectContaining({ name: 'mcp:local', kind: 'mcp-stdio', status: 'healthy', detail: expect.stringMatching(/^10 tools/) }));

    expect((await inject(t, 'DELETE', '/api/v1/admin/mcp-servers/local')).statusCode).toBe(204);
    expect((await inject(t, 'GET', '/api/v1/admin/mcp-servers')).json()).toEqual({ items: [] });
    expect((await inject(t, 'DELETE', '/api/v1/admin/mcp-servers/local')).json().error.code).toBe('MCP_SERVER_NOT_FOUND');
    expect((await inject(t, 'GET', '/api/v1/admin/mcp-servers/local/tools')).statusCode).toBe(404);
    expect((await inject(t, 'GET', '/health/detailed')).json().services.some((service: { name: string }) => service.name === 'mcp:local')).toBe(false);
  });

  it('keeps the servers across a restart', async () => {
    const first = await startTestApp({ env: { MCP_STDIO_ENABLED: 'true' } });
    expect((await inject(first, 'POST', '/api/v1/admin/mcp-servers', stdioBody)).statusCode).toBe(201);
    await first.close();
    const second = await app({ MCP_STDIO_ENABLED: 'false' }, first.dir);
    // Still configured, but off while stdio is not allowed.
    expect((await inject(second, 'GET', '/api/v1/admin/mcp-servers')).json().items).toEqual([expect.objectContaining({ name: 'local', enabled: false })]);
    const tools = await inject(second, 'GET', '/api/v1/admin/mcp-servers/local/tools');
    expect(tools.statusCode).toBe(502);
    expect(tools.json().error).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/MCP_STDIO_ENABLED/) });
    expect((await inject(second, 'GET', '/health/detailed')).json().services).toContainEqual(expect.objectContaining({ name: 'mcp:local', status: 'disabled' }));
  });

  it('checks Streamable HTTP URLs against the outbound policy', async () => {
    const server = await startHttpTestMcpServer();
    cleanups.push(() => server.close());
    const body = { name: 'remote', transport: 'streamable-http', url: server.url };
    const strict = await app();
    const refused = await inject(strict, 'POST', '/api/v1/admin/mcp-servers', body);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'OUTBOUND_REQUEST_BLOCKED', hint: expect.stringMatching(/OUTBOUND_ALLOW/) });
    expect(server.requests).toHaveLength(0);

    const allowed = await app({ OUTBOUND_ALLOW_HOSTS: `127.0.0.1:${server.port}` });
    expect((await inject(allowed, 'POST', '/api/v1/admin/mcp-servers', body)).statusCode).toBe(201);
    expect((await inject(allowed, 'GET', '/api/v1/admin/mcp-servers/remote/tools')).json().items.map((tool: { name: string }) => tool.name)).toContain('remote__add');
  });

  it('reports a server that cannot be reached as 502', async () => {
    const t = await app({ OUTBOUND_ALLOW_LOOPBACK: 'true' });
    expect((await inject(t, 'POST', '/api/v1/admin/mcp-servers', { name: 'gone', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp' })).statusCode).toBe(201);
    const response = await inject(t, 'GET', '/api/v1/admin/mcp-servers/gone/tools');
    expect(response.statusCode).toBe(502);
    expect(response.json().error).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^MCP server "gone" is unavailable: /) });
    // Agents are not broken by it: the entry is just missing.
    expect(await t.platform.tools.resolve(['mcp:gone', 'calculator'])).toMatchObject({ missing: ['mcp:gone'] });
  });

  it('validates the body', async () => {
    const t = await app({ MCP_STDIO_ENABLED: 'true' });
    for (const body of [
      { ...stdioBody, name: 'a__b' },
      { ...stdioBody, name: '__proto__' },
      { ...stdioBody, transport: 'sse' },
      { ...stdioBody, command: '' },
      { ...stdioBody, env: { 'not a name': 'x' } },
      { name: 'remote', transport: 'streamable-http' },
      { name: 'remote', transport: 'streamable-http', url: 'https://example.com/mcp', extra: true },
    ]) {
      const response = await inject(t, 'POST', '/api/v1/admin/mcp-servers', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await inject(t, 'POST', '/api/v1/admin/mcp-servers', { name: 'remote', transport: 'streamable-http', url: 'not a url' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/is not a URL/) });
    expect((await inject(t, 'POST', '/api/v1/admin/mcp-servers', { name: 'remote', transport: 'streamable-http', url: 'file:///etc/passwd' })).json().error.code).toBe('OUTBOUND_REQUEST_BLOCKED');
  });

  it('is for administrators only; the tool list is for everyone signed in', async () => {
    const t = await app({ AUTH: 'enabled' });
    const register = await inject(t, 'POST', '/api/v1/auth/register', { email: 'admin@example.com', password: 'correct horse' });
    const adminToken = register.json().token as string | undefined
      ?? (await inject(t, 'POST', '/api/v1/auth/login', { email: 'admin@example.com', password: 'correct horse' })).json().token as string;
    const admin = { authorization: `Bearer ${adminToken}` };
    expect((await inject(t, 'POST', '/api/v1/admin/users', { email: 'user@example.com', password: 'battery staple' }, admin)).statusCode).toBe(201);
    const userToken = (await inject(t, 'POST', '/api/v1/auth/login', { email: 'user@example.com', password: 'battery staple' })).json().token as string;
    const user = { authorization: `Bearer ${userToken}` };
    expect((await inject(t, 'GET', '/api/v1/admin/mcp-servers', undefined, user)).json().error.code).toBe('FORBIDDEN');
    expect((await inject(t, 'POST', '/api/v1/admin/mcp-servers', { name: 'x', transport: 'streamable-http', url: 'https://example.com/mcp' }, user)).statusCode).toBe(403);
    expect((await inject(t, 'DELETE', '/api/v1/admin/mcp-servers/x', undefined, user)).statusCode).toBe(403);
    expect((await inject(t, 'GET', '/api/v1/admin/mcp-servers', undefined, admin)).statusCode).toBe(200);
    expect((await inject(t, 'GET', '/api/v1/tools', undefined, user)).statusCode).toBe(200);
    expect((await inject(t, 'GET', '/api/v1/tools')).statusCode).toBe(401);
  });
});
