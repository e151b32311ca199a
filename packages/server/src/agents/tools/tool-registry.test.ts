import { describe, expect, it } from 'vitest';
import { createCalculatorTool } from './calculator.js';
import { createToolRegistry, type McpToolHandle, type McpToolSource } from './tool-registry.js';
import type { Tool } from './tool.js';

const context = (signal = new AbortController().signal) => ({ ownerId: 'u1', signal });

function fakeTool(name: string, execute: Tool['execute'] = async () => ({ content: name }), source = 'builtin'): Tool {
  return { name, description: `the ${name} tool`, parameters: { type: 'object', properties: {} }, source, execute };
}

/** Two MCP servers: `files` answers, `down` does not. */
function fakeMcp(): McpToolSource & { asked: string[] } {
  const asked: string[] = [];
  const files: McpToolHandle[] = [
    { mcpName: 'read', tool: fakeTool('files__read', undefined, 'mcp:files') },
    { mcpName: 'write.file', tool: fakeTool('files__write_file', undefined, 'mcp:files') },
  ];
  return {
    asked,
    serverNames: async () => ['files', 'down'],
    async tools(server) {
      asked.push(server);
      if (server === 'files') return files;
      throw new Error(`${server} is unreachable`);
    },
  };
}

const builtins = [
  { tool: createCalculatorTool(), enabled: true },
  { tool: fakeTool('http_fetch'), enabled: false },
];

describe('tool registry', () => {
  it('lists built-in tools with their enabled flags and the tools of reachable MCP servers', async () => {
    const registry = createToolRegistry({ builtins, mcp: fakeMcp(), timeoutMs: 1000 });
    expect((await registry.list()).map(({ name, source, enabled }) => ({ name, source, enabled }))).toEqual([
      { name: 'calculator', source: 'builtin', enabled: true },
      { name: 'http_fetch', source: 'builtin', enabled: false },
      { name: 'files__read', source: 'mcp:files', enabled: true },
      { name: 'files__write_file', source: 'mcp:files', enabled: true },
    ]);
  });

  it('lists without MCP, and when the server list cannot be read', async () => {
    expect(await createToolRegistry({ builtins, timeoutMs: 1000 }).list()).toHaveLength(2);
    const broken: McpToolSource = { serverNames: async () => Promise.reject(new Error('database down')), tools: async () => [] };
    expect(await createToolRegistry({ builtins, mcp: broken, timeoutMs: 1000 }).list()).toHaveLength(2);
  });

  it('resolves names, whole servers and single MCP tools; reports the rest missing without throwing', async () => {
    const mcp = fakeMcp();
    const registry = createToolRegistry({ builtins, mcp, timeoutMs: 1000 });
    const { tools, missing } = await registry.resolve([
      'calculator', 'http_fetch', 'knowledge_search', 'mcp:files', 'mcp:files/read', 'mcp:files/nope', 'mcp:down', 'mcp:down/x', 'mcp:unknown', 'calculator',
    ]);
    expect(tools.map((tool) => tool.name)).toEqual(['calculator', 'files__read', 'files__write_file']);
    expect(missing).toEqual(['http_fetch', 'knowledge_search', 'mcp:files/nope', 'mcp:down', 'mcp:down/x', 'mcp:unknown']);
    // Each server asked once per resolve, however many entries name it.
    expect(mcp.asked.sort()).toEqual(['down', 'files', 'unknown']);
    expect(await tools[0]!.execute({ expression: '6 * 7' }, context())).toEqual({ content: '42' });
  });

  it('resolves an empty list to nothing', async () => {
    expect(await createToolRegistry({ builtins, timeoutMs: 1000 }).resolve([])).toEqual({ tools: [], missing: [] });
  });

  it('turns a throwing tool into an error result', async () => {
    const registry = createToolRegistry({ builtins: [{ tool: fakeTool('boom', async () => Promise.reject(new Error('kaput'))), enabled: true }], timeoutMs: 1000 });
    const [tool] = (await registry.resolve(['boom'])).tools;
    expect(await tool!.execute({}, context())).toEqual({ isError: true, content: 'boom failed: kaput' });
  });

  it('does not wait past the time limit for a tool that ignores its signal', async () => {
    let seenSignal: AbortSignal | undefined;
    const hanging = fakeTool('hang', (_, ctx) => {
      seenSignal = ctx.signal;
      return new Promise(() => undefined);
    });
    const registry = createToolRegistry({ builtins: [{ tool: hanging, enabled: true }], timeoutMs: 150 });
    const [tool] = (await registry.resolve(['hang'])).tools;
    const started = Date.now();
    expect(await tool!.execute({}, context())).toEqual({ isError: true, content: 'hang did not finish within 150 ms.' });
    expect(Date.now() - started).toBeLessThan(1000);
    // The tool's own signal fired too, so a well-behaved tool stops its work.
    expect(seenSignal?.aborted).toBe(true);
  });

  it('stops when the caller aborts, before or during the call', async () => {
    const registry = createToolRegistry({ builtins: [{ tool: fakeTool('hang', () => new Promise(() => undefined)), enabled: true }], timeoutMs: 10_000 });
    const [tool] = (await registry.resolve(['hang'])).tools;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await tool!.execute({}, context(controller.signal))).toEqual({ isError: true, content: 'The call of hang was stopped.' });
    expect(await tool!.execute({}, context(AbortSignal.abort()))).toEqual({ isError: true, content: 'The call of hang was stopped.' });
  });

  it('refuses a result without text', async () => {
    const registry = createToolRegistry({ builtins: [{ tool: fakeTool('odd', async () => ({ content: 42 as unknown as string })), enabled: true }], timeoutMs: 1000 });
    const [tool] = (await registry.resolve(['odd'])).tools;
    expect(await tool!.execute({}, context())).toEqual({ isError: true, content: 'The tool returned no text.' });
  });
});
