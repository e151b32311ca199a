/**
 * Every tool this server offers, built-in and MCP, behind the `ToolRegistry` the agent
 * runtime uses. The tools it hands out never throw and never run past the tool time limit:
 * a failure, a throw or a timeout is an error result the model reads.
 */
import type { Tool, ToolContext, ToolInfo, ToolRegistry, ToolResult } from './tool.js';

export interface BuiltinTool {
  tool: Tool;
  /** False when this server does not allow it (http_fetch without HTTP_FETCH_ENABLED). */
  enabled: boolean;
}

/** An MCP tool: the tool as models see it, and its name on the MCP server. */
export interface McpToolHandle {
  mcpName: string;
  tool: Tool;
}

/** What the registry needs from MCP (the MCP manager provides it). */
export interface McpToolSource {
  serverNames(): Promise<string[]>;
  /** The tools of one server, connecting if needed; rejects when it is unknown, off or unreachable. */
  tools(server: string): Promise<McpToolHandle[]>;
}

export interface ToolRegistryOptions {
  builtins: BuiltinTool[];
  mcp?: McpToolSource;
  /** Longest a single tool call may take (TOOL_TIMEOUT_MS); the agent's own limits may stop it sooner. */
  timeoutMs: number;
}

export function createToolRegistry(options: ToolRegistryOptions): ToolRegistry {
  const builtins = new Map(options.builtins.map((entry) => [entry.tool.name, entry]));

  function bounded(tool: Tool): Tool {
    return { ...tool, execute: (args, context) => executeBounded(tool, args, context, options.timeoutMs) };
  }

  async function mcpTools(server: string): Promise<McpToolHandle[] | undefined> {
    return options.mcp?.tools(server).catch(() => undefined);
  }

  return {
    async list() {
      const infos: ToolInfo[] = options.builtins.map(({ tool, enabled }) => info(tool, enabled));
      const servers = (await options.mcp?.serverNames().catch(() => [])) ?? [];
      // Servers that do not answer contribute nothing; listing never fails.
      const perServer = await Promise.all(servers.map((server) => mcpTools(server)));
      for (const handles of perServer) for (const { tool } of handles ?? []) infos.push(info(tool, true));
      return infos;
    },

    async resolve(entries) {
      const tools = new Map<string, Tool>();
      const missing: string[] = [];
      const listed = new Map<string, Promise<McpToolHandle[] | undefined>>();
      // Each server is asked once, however many entries name it, and all servers at once.
      const toolsOf = (server: string) => {
        let pending = listed.get(server);
        if (!pending) listed.set(server, (pending = mcpTools(server)));
        return pending;
      };
      const found = await Promise.all(entries.map(async (entry): Promise<Tool[] | undefined> => {
        const mcp = /^mcp:([^/]+)(?:\/(.+))?$/.exec(entry);
        if (!mcp) {
          const builtin = builtins.get(entry);
          return builtin?.enabled ? [builtin.tool] : undefined;
        }
        const handles = await toolsOf(mcp[1]!);
        if (!handles) return undefined;
        if (mcp[2] === undefined) return handles.map((handle) => handle.tool);
        const handle = handles.find((candidate) => candidate.mcpName === mcp[2]);
        return handle ? [handle.tool] : undefined;
      }));
      found.forEach((resolved, index) => {
        if (!resolved) missing.push(entries[index]!);
        else for (const tool of resolved) if (!tools.has(tool.name)) tools.set(tool.name, bounded(tool));
      });
      return { tools: [...tools.values()], missing };
    },
  };
}

function info(tool: Tool, enabled: boolean): ToolInfo {
  return { name: tool.name, description: tool.description, parameters: tool.parameters, source: tool.source, enabled };
}

/** Runs a tool within the time limit and the caller's signal; whatever happens, a result. */
async function executeBounded(tool: Tool, args: Record<string, unknown>, context: ToolContext, timeoutMs: number): Promise<ToolResult> {
  if (context.signal.aborted) return { isError: true, content: `The call of ${tool.name} was stopped.` };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([context.signal, timeout]);
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<ToolResult>((resolve) => {
    onAbort = () => resolve({ isError: true, content: timeout.aborted ? `${tool.name} did not finish within ${timeoutMs} ms.` : `The call of ${tool.name} was stopped.` });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // A tool that ignores its signal is not waited for.
    return await Promise.race([
      tool.execute(args, { ...context, signal }).then(checkResult, (error: unknown) => ({ isError: true, content: `${tool.name} failed: ${error instanceof Error ? error.message : String(error)}` })),
      stopped,
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function checkResult(result: ToolResult): ToolResult {
  if (typeof result?.content !== 'string') return { isError: true, content: 'The tool returned no text.' };
  return result.isError ? { content: result.content, isError: true } : { content: result.content };
}
