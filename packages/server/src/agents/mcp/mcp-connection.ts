/**
 * One live session with one MCP server, over the official SDK's client: a spawned command
 * (stdio) or a Streamable HTTP endpoint reached through the outbound guard. It knows nothing
 * of reconnecting; the manager replaces a connection that closed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from './mcp-server-config.js';

// For the manager, which imports this module (and the SDK with it) only when it first connects.
export { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** A tool as the MCP server lists it. */
export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpConnection {
  /** True once the session ended: the process exited, or `close()` was called. */
  readonly closed: boolean;
  listTools(options: CallOptions): Promise<McpToolInfo[]>;
  /** The raw `tools/call` result; a tool failure is a result with `isError`, a broken session a rejection. */
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<Record<string, unknown>>;
  /** The end of what a stdio server wrote to stderr: why it would not start, usually. */
  stderrTail(): string;
  close(): Promise<void>;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs: number;
}

export interface OpenOptions {
  /** The guarded fetch every Streamable HTTP request goes through. */
  fetch: typeof fetch;
  timeoutMs: number;
  /** The session ended without `close()`: the server exited or the transport failed. */
  onClose(): void;
  /** The server said its tool list changed. */
  onToolsChanged(): void;
}

const MAX_TOOL_PAGES = 20;
const MAX_TOOLS = 512;
const STDERR_TAIL = 2000;

export async function openMcpConnection(config: McpServerConfig, options: OpenOptions): Promise<McpConnection> {
  let stderr = '';
  let transport: Transport;
  if (config.transport === 'stdio') {
    const stdio = new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      // A minimal environment (PATH, HOME, ...) plus the configured variables: the server's
      // own secrets (DATABASE_URL, API keys) are not handed to a tool process.
      env: { ...getDefaultEnvironment(), ...(config.env ?? {}) },
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    transport = stdio;
  } else {
    transport = new StreamableHTTPClientTransport(new URL(config.url), {
      fetch: options.fetch,
      ...(config.headers ? { requestInit: { headers: config.headers } } : {}),
      // A lost notification stream is not retried for long: the manager reconnects on use.
      reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 2, maxRetries: 1 },
    });
  }

  let closed = false;
  let closing = false;
  const client = new Client({ name: 'sutazai', version: '0.1.0' }, {
    capabilities: {},
    listChanged: { tools: { autoRefresh: false, debounceMs: 100, onChanged: () => options.onToolsChanged() } },
  });
  client.onclose = () => {
    if (closed) return;
    closed = true;
    if (!closing) options.onClose();
  };
  // Transport errors (a failed notification stream, a bad line on stdout) surface on the
  // next request; the handler only keeps the SDK from logging them to the console.
  client.onerror = () => undefined;
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    closing = true;
    await client.close().catch(() => undefined);
    const detail = stderr.trim() ? ` (stderr: ${lastLines(stderr)})` : '';
    throw new Error(`${(error as Error).message}${detail}`, { cause: error });
  }

  return {
    get closed() {
      return closed;
    },
    async listTools(callOptions) {
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_TOOL_PAGES && tools.length < MAX_TOOLS; page++) {
        const result = await client.listTools(cursor ? { cursor } : undefined, requestOptions(callOptions));
        for (const tool of result.tools) {
          tools.push({ name: tool.name, description: tool.description ?? tool.title ?? '', inputSchema: tool.inputSchema as Record<string, unknown> });
        }
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      return tools.slice(0, MAX_TOOLS);
    },
    async callTool(name, args, callOptions) {
      return (await client.callTool({ name, arguments: args }, undefined, requestOptions(callOptions))) as Record<string, unknown>;
    },
    stderrTail: () => lastLines(stderr),
    async close() {
      if (closed && !closing) return;
      closing = true;
      closed = true;
      // For stdio this ends stdin, then SIGTERM, then SIGKILL: the child does not outlive us.
      await client.close().catch(() => undefined);
    },
  };
}

function requestOptions(options: CallOptions) {
  return { timeout: options.timeoutMs, maxTotalTimeout: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ').slice(-500);
}
