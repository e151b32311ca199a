import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../errors/catalogue.js';
import { createGuardedFetch, type OutboundPolicy } from '../../net/outbound-guard.js';
import type { ToolContext } from '../tools/tool.js';
import { createToolRegistry } from '../tools/tool-registry.js';
import { createMcpManager, type McpManager, type McpManagerOptions } from './mcp-manager.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { createMemoryMcpServerStore } from './mcp-server-store.js';
import { startHttpTestMcpServer, type HttpTestMcpServer } from './test-support/http-test-server.js';

const script = fileURLToPath(new URL('./test-support/stdio-test-server.mjs', import.meta.url));
const stdioServer = (name = 'local', extra: Partial<Extract<McpServerConfig, { transport: 'stdio' }>> = {}): McpServerConfig =>
  ({ name, transport: 'stdio', command: process.execPath, args: [script], ...extra });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function manager(servers: McpServerConfig[], options: Partial<McpManagerOptions> & { policy?: OutboundPolicy } = {}): McpManager {
  const fetch = createGuardedFetch(options.policy ?? { allowLoopback: true });
  const created = createMcpManager({
    store: createMemoryMcpServerStore(servers), fetch, outboundPolicy: options.policy ?? { allowLoopback: true },
    stdioEnabled: true, callTimeoutMs: 10_000, retryDelayMs: 0, ...options,
  });
  cleanups.push(async () => {
    await created.close();
    fetch.close();
  });
  return created;
}

async function httpServer(): Promise<HttpTestMcpServer> {
  const server = await startHttpTestMcpServer();
  cleanups.push(() => server.close());
  return server;
}

const context = (signal = new AbortController().signal): ToolContext => ({ ownerId: 'u1', signal });

async function call(mcp: McpManager, server: string, tool: string, args: Record<string, unknown> = {}, ctx = context()) {
  const handle = (await mcp.tools(server)).find((candidate) => candidate.mcpName === tool);
  if (!handle) throw new Error(`no tool ${tool}`);
  return handle.tool.execute(args, ctx);
}

async function rejection(work: Promise<unknown>): Promise<AppError> {
  const outcome = await work.then(() => undefined, (error: unknown) => error);
  if (outcome instanceof AppError) return outcome;
  throw new Error(`expected an AppError, got ${String(outcome)}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MCP manager over stdio', () => {
  it('lists the tools with names models accept, and calls them', async () => {
    const mcp = manager([stdioServer()]);
    const tools = await mcp.tools('local');
    expect(tools.map((t) => [t.mcpName, t.tool.name])).toEqual([
      ['echo', 'local__echo'], ['add', 'local__add'], ['fail', 'local__fail'], ['throw', 'local__throw'], ['slow', 'local__slow'],
      ['cancelled', 'local__cancelled'], ['env_var', 'local__env_var'], ['pid', 'local__pid'], ['picture', 'local__picture'], ['dotted.name', 'local__dotted_name'],
    ]);
    const add = tools.find((t) => t.mcpName === 'add')!.tool;
    expect(add).toMatchObject({ source: 'mcp:local', description: 'Adds two numbers.', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } });
    expect(await add.execute({ a: 2, b: 3 }, context())).toEqual({ content: '5' });
    expect(await call(mcp, 'local', 'echo', { text: 'hello' })).toEqual({ content: 'hello' });
    expect(await call(mcp, 'local', 'picture')).toEqual({ content: 'a picture:\n[image image/png, 9 bytes: not shown]' });
  });

  it('maps a failing tool, a throwing tool and bad arguments to error results', async () => {
    const mcp = manager([stdioServer()]);
    expect(await call(mcp, 'local', 'fail')).toEqual({ isError: true, content: 'the tool failed on purpose' });
    expect(await call(mcp, 'local', 'throw')).toMatchObject({ isError: true, content: expect.stringContaining('thrown on purpose') });
    expect(await call(mcp, 'local', 'add', { a: 'two', b: 3 })).toMatchObject({ isError: true, content: expect.stringMatching(/a/) });
    expect(await call(mcp, 'local', 'echo', [] as unknown as Record<string, unknown>)).toEqual({ isError: true, content: 'The arguments must be a JSON object.' });
    // The session survived all of that.
    expect(await call(mcp, 'local', 'echo', { text: 'still here' })).toEqual({ content: 'still here' });
  });

  it('stops a slow tool when the signal aborts, and tells the server', async () => {
    const mcp = manager([stdioServer()]);
    // Started first, so the abort lands while the call runs on the server.
    const pid = (await call(mcp, 'local', 'pid')).content;
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    expect(await call(mcp, 'local', 'slow', { ms: 20_000 }, context(controller.signal))).toEqual({ isError: true, content: 'The call of slow (MCP server local) was stopped.' });
    expect(Date.now() - started).toBeLessThan(5000);
    // The server got notifications/cancelled; the session is still usable.
    expect((await call(mcp, 'local', 'pid')).content).toBe(pid);
    let cancelled = '0';
    for (let i = 0; i < 50 && cancelled === '0'; i++) {
      cancelled = (await call(mcp, 'local', 'cancelled')).content;
      if (cancelled === '0') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cancelled).toBe('1');
  });

  it('gives up on a tool after the call timeout', async () => {
    const mcp = manager([stdioServer()], { callTimeoutMs: 300 });
    expect(await call(mcp, 'local', 'slow', { ms: 20_000 })).toEqual({ isError: true, content: 'slow (MCP server local) did not answer within 300 ms.' });
    expect(await call(mcp, 'local', 'echo', { text: 'after' })).toEqual({ content: 'after' });
  });

  it('starts the server again after it was killed', async () => {
    const mcp = manager([stdioServer()]);
    const first = Number((await call(mcp, 'local', 'pid')).content);
    expect(processAlive(first)).toBe(true);
    process.kill(first, 'SIGKILL');
    await eventually(() => !processAlive(first));
    // The manager sees the session end and starts a new process on next use.
    let second = first;
    for (let attempt = 0; attempt < 50 && second === first; attempt++) {
      const result = await call(mcp, 'local', 'pid');
      if (!result.isError) second = Number(result.content);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(second).not.toBe(first);
    expect(processAlive(second)).toBe(true);
    expect(await call(mcp, 'local', 'echo', { text: 'back' })).toEqual({ content: 'back' });
  });

  it('reports a call in flight when the server dies as an error', async () => {
    const mcp = manager([stdioServer()]);
    const pid = Number((await call(mcp, 'local', 'pid')).content);
    const pending = call(mcp, 'local', 'slow', { ms: 20_000 });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 200);
    expect(await pending).toMatchObject({ isError: true, content: expect.stringMatching(/slow \(MCP server local\) failed: .*[Cc]onnection closed/) });
  });

  it('stops the child processes on close', async () => {
    const mcp = manager([stdioServer('one'), stdioServer('two')]);
    const pids = [Number((await call(mcp, 'one', 'pid')).content), Number((await call(mcp, 'two', 'pid')).content)];
    expect(pids.every(processAlive)).toBe(true);
    await mcp.close();
    await eventually(() => !pids.some(processAlive));
    expect(await rejection(mcp.tools('one'))).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE' });
  });

  it('gives the child a minimal environment plus the configured variables', async () => {
    const previous = process.env.SUTAZAI_TEST_SECRET;
    process.env.SUTAZAI_TEST_SECRET = 'do-not-leak';
    try {
      const mcp = manager([stdioServer('local', { env: { GREETING: 'hi' } })]);
      expect(await call(mcp, 'local', 'env_var', { name: 'SUTAZAI_TEST_SECRET' })).toEqual({ content: 'unset' });
      expect(await call(mcp, 'local', 'env_var', { name: 'GREETING' })).toEqual({ content: 'hi' });
      expect((await call(mcp, 'local', 'env_var', { name: 'PATH' })).content).not.toBe('unset');
    } finally {
      if (previous === undefined) delete process.env.SUTAZAI_TEST_SECRET;
      else process.env.SUTAZAI_TEST_SECRET = previous;
    }
  });

  it('explains a server that does not start, with its stderr, and waits before trying again', async () => {
    const mcp = manager([stdioServer('broken', { args: [script, '--fail-start'] }), { name: 'missing', transport: 'stdio', command: '/nonexistent/mcp-server' }], { retryDelayMs: 60_000 });
    const error = await rejection(mcp.tools('broken'));
    expect(error).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/^MCP server "broken" is unavailable: .*cannot start: the test asked me to fail/) });
    const started = Date.now();
    expect((await rejection(mcp.tools('broken'))).message).toBe(error.message);
    expect(Date.now() - started).toBeLessThan(100);
    expect(await rejection(mcp.tools('missing'))).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/ENOENT/) });
    expect(await mcp.probe('broken')).toMatchObject({ status: 'down', detail: expect.stringMatching(/cannot start/) });
  });

  it('leaves stdio servers off unless they are enabled', async () => {
    const mcp = manager([stdioServer()], { stdioEnabled: false });
    expect(await rejection(mcp.tools('local'))).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/MCP_STDIO_ENABLED=true/) });
    expect(await rejection(mcp.put(stdioServer('other')))).toMatchObject({ code: 'MCP_STDIO_DISABLED' });
    expect(await mcp.probe('local')).toMatchObject({ status: 'disabled' });
    expect(await mcp.list()).toEqual([expect.objectContaining({ name: 'local', enabled: false, disabled_reason: expect.stringMatching(/MCP_STDIO_ENABLED/) })]);
  });

  it('probes with a real tools/list round trip', async () => {
    const mcp = manager([stdioServer()]);
    expect(await mcp.probe('local')).toMatchObject({ status: 'healthy', detail: `10 tools, stdio: ${process.execPath}` });
  });
});

describe('MCP manager over Streamable HTTP', () => {
  it('lists and calls tools through the guarded fetch, with the configured headers', async () => {
    const server = await httpServer();
    const mcp = manager([{ name: 'remote', transport: 'streamable-http', url: server.url, headers: { Authorization: 'Bearer test-token' } }]);
    expect((await mcp.tools('remote')).map((t) => t.tool.name)).toContain('remote__echo');
    expect(await call(mcp, 'remote', 'echo', { text: 'over http' })).toEqual({ content: 'over http' });
    expect(await call(mcp, 'remote', 'fail')).toEqual({ isError: true, content: 'the tool failed on purpose' });
    expect(server.requests.length).toBeGreaterThan(2);
    expect(server.requests.every((request) => request.headers.authorization === 'Bearer test-token')).toBe(true);
    expect(await mcp.probe('remote')).toMatchObject({ status: 'healthy', detail: expect.stringMatching(/^11 tools|^10 tools/) });
  });

  it('stops a slow tool when the signal aborts', async () => {
    const server = await httpServer();
    const mcp = manager([{ name: 'remote', transport: 'streamable-http', url: server.url }]);
    await mcp.tools('remote');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await call(mcp, 'remote', 'slow', { ms: 20_000 }, context(controller.signal))).toEqual({ isError: true, content: 'The call of slow (MCP server remote) was stopped.' });
    expect(await call(mcp, 'remote', 'echo', { text: 'after' })).toEqual({ content: 'after' });
  });

  it('refuses a loopback URL under the default outbound policy, sending nothing', async () => {
    const server = await httpServer();
    const config: McpServerConfig = { name: 'remote', transport: 'streamable-http', url: server.url };
    const mcp = manager([config], { policy: {} });
    expect(await rejection(mcp.put(config))).toMatchObject({ code: 'OUTBOUND_REQUEST_BLOCKED' });
    // Stored before the policy was tightened: refused on use.
    expect(await rejection(mcp.tools('remote'))).toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringMatching(/loopback/) });
    expect(server.requests).toHaveLength(0);
  });

  it('reconnects after the server restarted and forgot the session', async () => {
    const server = await httpServer();
    const mcp = manager([{ name: 'remote', transport: 'streamable-http', url: server.url }]);
    expect(await call(mcp, 'remote', 'echo', { text: 'one' })).toEqual({ content: 'one' });
    await server.stop();
    // As long as a restart takes: the client sees its kept-alive connections close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.restart();
    const sessionId = server.requests.at(-1)?.headers['mcp-session-id'];
    const seen = server.requests.length;
    // The old session id gets 404: a new session is opened and the call made there.
    expect(await call(mcp, 'remote', 'echo', { text: 'two' })).toEqual({ content: 'two' });
    const after = server.requests.slice(seen);
    expect(after[0]?.headers['mcp-session-id']).toBe(sessionId);
    expect(after[1]?.headers['mcp-session-id']).toBeUndefined();
  });

  it('reports a server that is down, and reconnects when it is back', async () => {
    const server = await httpServer();
    const mcp = manager([{ name: 'remote', transport: 'streamable-http', url: server.url }]);
    const echo = (await mcp.tools('remote')).find((t) => t.mcpName === 'echo')!.tool;
    await server.stop();
    expect(await echo.execute({ text: 'lost' }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/echo \(MCP server remote\)|MCP server "remote"/) });
    expect(await mcp.probe('remote')).toMatchObject({ status: 'down' });
    await server.restart();
    // The tool object handed out earlier keeps working: it calls through the manager.
    expect(await echo.execute({ text: 'found' }, context())).toEqual({ content: 'found' });
  });
});

describe('MCP configuration', () => {
  it('adds, replaces and removes servers, masking secrets in views', async () => {
    const mcp = manager([]);
    expect(await mcp.put({ name: 'remote', transport: 'streamable-http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer secret' } }))
      .toEqual({ created: true, server: { name: 'remote', transport: 'streamable-http', url: 'https://mcp.example.com/mcp', headers: { Authorization: '********' }, enabled: true, disabled_reason: null } });
    expect((await mcp.put(stdioServer('remote', { env: { TOKEN: 'secret' } }))).created).toBe(false);
    expect(await mcp.list()).toEqual([expect.objectContaining({ name: 'remote', transport: 'stdio', env: { TOKEN: '********' } })]);
    await mcp.remove('remote');
    expect(await mcp.list()).toEqual([]);
    expect(await rejection(mcp.remove('remote'))).toMatchObject({ code: 'MCP_SERVER_NOT_FOUND' });
    expect(await rejection(mcp.tools('remote'))).toMatchObject({ code: 'MCP_SERVER_NOT_FOUND' });
  });

  it('stops a server that was removed or changed, and tells listeners', async () => {
    const mcp = manager([stdioServer()]);
    await mcp.load();
    let changes = 0;
    mcp.onChange(() => changes++);
    const pid = Number((await call(mcp, 'local', 'pid')).content);
    await mcp.put(stdioServer('local', { env: { CHANGED: '1' } }));
    await eventually(() => !processAlive(pid));
    expect(await call(mcp, 'local', 'env_var', { name: 'CHANGED' })).toEqual({ content: '1' });
    await mcp.remove('local');
    expect(changes).toBe(2);
  });

  it('sees servers another replica added once its copy is older than the refresh interval', async () => {
    const store = createMemoryMcpServerStore([]);
    const fetch = createGuardedFetch({});
    const options = { store, fetch, stdioEnabled: true, callTimeoutMs: 5000, refreshMs: 0 };
    const first = createMcpManager(options);
    const second = createMcpManager(options);
    cleanups.push(async () => {
      await first.close();
      await second.close();
      fetch.close();
    });
    await second.load();
    await first.put(stdioServer());
    expect(await second.serverNames()).toEqual(['local']);
  });
});

describe('tool registry with MCP', () => {
  it('resolves MCP entries, leaving unreachable servers and unknown tools missing', async () => {
    const mcp = manager([stdioServer(), stdioServer('broken', { args: [script, '--fail-start'] })]);
    const registry = createToolRegistry({ builtins: [], mcp, timeoutMs: 5000 });
    const { tools, missing } = await registry.resolve(['mcp:local/echo', 'mcp:local/nope', 'mcp:broken', 'mcp:unknown', 'mcp:local/dotted.name']);
    expect(tools.map((tool) => tool.name)).toEqual(['local__echo', 'local__dotted_name']);
    expect(missing).toEqual(['mcp:local/nope', 'mcp:broken', 'mcp:unknown']);
    expect(await tools[0]!.execute({ text: 'via registry' }, context())).toEqual({ content: 'via registry' });
    const listed = await registry.list();
    expect(listed.filter((tool) => tool.source === 'mcp:local')).toHaveLength(10);
    expect(listed.some((tool) => tool.source === 'mcp:broken')).toBe(false);
  });
});
