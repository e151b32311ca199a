/**
 * The MCP servers an administrator configured, as tools: each server is connected the first
 * time it is needed, its tool list cached until it reconnects or says the list changed, and a
 * server that died is started (or reconnected) again on next use. Nothing here throws at an
 * agent: a call that fails is an error result the model reads.
 */
import { AppError } from '../../errors/catalogue.js';
import { timed } from '../../health/health-checks.js';
import type { ProbeResult } from '../../llm/provider.js';
import type { Logger } from '../../logger.js';
import { checkUrl, compilePolicy, type OutboundPolicy } from '../../net/outbound-guard.js';
import type { McpToolSource, McpToolHandle } from '../tools/tool-registry.js';
import type { Tool, ToolContext, ToolResult } from '../tools/tool.js';
import type { McpConnection, McpToolInfo } from './mcp-connection.js';
import { toToolResult } from './mcp-result.js';
import { viewOf, type McpServerConfig, type McpServerView } from './mcp-server-config.js';
import type { McpServerStore } from './mcp-server-store.js';
import { exposedToolNames } from './mcp-tool-names.js';

/** The SDK (a third of a second of start-up) is loaded with the first connection: never on a server without MCP. */
let sdk: typeof import('./mcp-connection.js') | undefined;
const loadSdk = async () => (sdk ??= await import('./mcp-connection.js'));

export interface McpManagerOptions {
  store: McpServerStore;
  /** The guarded fetch for Streamable HTTP servers (`platform.outboundFetch`). */
  fetch: typeof fetch;
  /** The policy behind that fetch, to refuse a URL when it is configured rather than on first use. */
  outboundPolicy?: OutboundPolicy;
  /** Whether servers that run a command (stdio) may start: MCP_STDIO_ENABLED. */
  stdioEnabled: boolean;
  /** Longest wait for one tool call or list (TOOL_TIMEOUT_MS). */
  callTimeoutMs: number;
  /** Longest wait for a server to start and initialise. Default 10 s. */
  connectTimeoutMs?: number;
  /** After a failed connection, calls fail at once for this long instead of trying again. Default 2 s. */
  retryDelayMs?: number;
  /** How old the server list read from storage may be (other replicas change it). Default 5 s. */
  refreshMs?: number;
  logger?: Logger;
}

export interface McpManager extends McpToolSource {
  /** The configured servers as the admin API shows them. */
  list(): Promise<McpServerView[]>;
  /** Adds a server, or replaces the one with the same name. */
  put(config: McpServerConfig): Promise<{ created: boolean; server: McpServerView }>;
  remove(name: string): Promise<void>;
  /** The tools of one server; throws MCP_SERVER_NOT_FOUND or MCP_SERVER_UNAVAILABLE. */
  tools(name: string): Promise<McpToolHandle[]>;
  /** A real `tools/list` round trip, for /health/detailed. */
  probe(name: string): Promise<ProbeResult>;
  /** The servers now configured: names and transports, for health probes. */
  configured(): McpServerConfig[];
  /** Called after the configured servers changed (here or, seen on refresh, on another replica). */
  onChange(listener: () => void): void;
  /** Reads the configuration now (start-up). */
  load(): Promise<void>;
  /** Closes every session; stdio servers are stopped. */
  close(): Promise<void>;
}

interface ServerState {
  config: McpServerConfig;
  key: string;
  connection?: McpConnection;
  connecting?: Promise<McpConnection>;
  tools?: McpToolHandle[];
  failure?: { message: string; at: number };
}

const MAX_SERVERS = 32;

export function createMcpManager(options: McpManagerOptions): McpManager {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const retryDelayMs = options.retryDelayMs ?? 2000;
  const refreshMs = options.refreshMs ?? 5000;
  const policy = compilePolicy(options.outboundPolicy ?? {});
  const states = new Map<string, ServerState>();
  const listeners: (() => void)[] = [];
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  let shutDown = false;

  function disabledReason(config: McpServerConfig): string | undefined {
    if (config.transport === 'stdio' && !options.stdioEnabled) return 'Servers that run a command (stdio) are off on this server; an administrator can set MCP_STDIO_ENABLED=true.';
    return undefined;
  }

  /** Takes the stored list as the truth: changed or removed servers are disconnected. */
  function apply(configs: McpServerConfig[]): void {
    let changed = false;
    const wanted = new Map(configs.map((config) => [config.name, config]));
    for (const [name, state] of states) {
      const config = wanted.get(name);
      if (!config || JSON.stringify(config) !== state.key) {
        states.delete(name);
        void disconnect(state);
        changed = true;
      }
    }
    for (const config of configs) {
      if (!states.has(config.name)) {
        states.set(config.name, { config, key: JSON.stringify(config) });
        changed = true;
      }
    }
    if (changed) for (const listener of listeners) listener();
  }

  async function refresh(force = false): Promise<void> {
    if (!force && performance.now() - loadedAt < refreshMs) return;
    loading ??= options.store.load().then((configs) => {
      loadedAt = performance.now();
      apply(configs);
    }).finally(() => {
      loading = undefined;
    });
    await loading;
  }

  async function disconnect(state: ServerState): Promise<void> {
    const connection = state.connection;
    state.connection = undefined;
    state.tools = undefined;
    await connection?.close();
  }

  function stateOf(name: string): ServerState {
    const state = states.get(name);
    if (!state) throw new AppError('MCP_SERVER_NOT_FOUND', `There is no MCP server named "${name}".`);
    return state;
  }

  function unavailable(state: ServerState, message: string): AppError {
    return new AppError('MCP_SERVER_UNAVAILABLE', `MCP server "${state.config.name}" is unavailable: ${message}`);
  }

  async function connect(state: ServerState): Promise<McpConnection> {
    if (state.connection && !state.connection.closed) return state.connection;
    if (state.connecting) return state.connecting;
    const reason = disabledReason(state.config);
    if (reason) throw unavailable(state, reason);
    if (shutDown) throw unavailable(state, 'the server is shutting down.');
    if (state.failure && performance.now() - state.failure.at < retryDelayMs) throw unavailable(state, state.failure.message);
    state.tools = undefined;
    const attempt = loadSdk().then(({ openMcpConnection }) => openMcpConnection(state.config, {
      fetch: options.fetch,
      timeoutMs: connectTimeoutMs,
      onClose: () => {
        if (state.connection !== connection) return;
        options.logger?.warn({ mcpServer: state.config.name, stderr: connection?.stderrTail() }, 'MCP server closed the session; it is reconnected on next use');
        state.connection = undefined;
        state.tools = undefined;
      },
      onToolsChanged: () => {
        state.tools = undefined;
      },
    }));
    let connection: McpConnection | undefined;
    state.connecting = attempt.then(
      async (opened) => {
        connection = opened;
        // Removed, replaced or shut down while it started: it is nobody's now.
        if (shutDown || states.get(state.config.name) !== state) {
          await opened.close();
          throw unavailable(state, 'its configuration changed while it started.');
        }
        state.connection = opened;
        state.failure = undefined;
        return opened;
      },
      (error: unknown) => {
        const message = describeError(error);
        state.failure = { message, at: performance.now() };
        options.logger?.warn({ mcpServer: state.config.name, err: error }, 'MCP server could not be connected');
        throw unavailable(state, message);
      },
    ).finally(() => {
      state.connecting = undefined;
    });
    return state.connecting;
  }

  /** Runs `work` on the session; a session that broke is dropped and, when `retry`, opened once more. */
  async function withConnection<T>(state: ServerState, retry: (error: unknown) => boolean, work: (connection: McpConnection) => Promise<T>): Promise<T> {
    const connection = await connect(state);
    try {
      return await work(connection);
    } catch (error) {
      if (!isBrokenSession(error)) throw error;
      if (state.connection === connection) await disconnect(state);
      if (!retry(error)) throw error;
      return work(await connect(state));
    }
  }

  async function listTools(state: ServerState): Promise<McpToolHandle[]> {
    if (state.tools && state.connection && !state.connection.closed) return state.tools;
    // Listing has no side effects: a broken session is always worth one more try.
    const infos = await withConnection(state, () => true, (connection) => connection.listTools({ timeoutMs: options.callTimeoutMs })).catch((error: unknown) => {
      throw error instanceof AppError ? error : unavailable(state, describeError(error));
    });
    const tools = toHandles(state.config.name, infos);
    if (states.get(state.config.name) === state && state.connection) state.tools = tools;
    return tools;
  }

  function toHandles(server: string, infos: McpToolInfo[]): McpToolHandle[] {
    const names = exposedToolNames(server, infos.map((info) => info.name));
    return infos.map((info, index): McpToolHandle => {
      const tool: Tool = {
        name: names[index]!,
        description: info.description || `The tool ${info.name} of the MCP server ${server}.`,
        parameters: info.inputSchema.type === 'object' ? info.inputSchema : { type: 'object', properties: {} },
        source: `mcp:${server}`,
        execute: (args, context) => callTool(server, info.name, args, context),
      };
      return { mcpName: info.name, tool };
    });
  }

  async function callTool(server: string, mcpName: string, args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
    const label = `${mcpName} (MCP server ${server})`;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return { isError: true, content: 'The arguments must be a JSON object.' };
    if (context.signal.aborted) return { isError: true, content: `The call of ${label} was stopped.` };
    const state = states.get(server);
    if (!state) return { isError: true, content: `The MCP server ${server} is no longer configured.` };
    try {
      // Only a session the server no longer knows (it restarted) is retried: the call never ran.
      const result = await withConnection(state, isUnknownSession, (connection) => connection.callTool(mcpName, args, { signal: context.signal, timeoutMs: options.callTimeoutMs }));
      return toToolResult(result);
    } catch (error) {
      if (context.signal.aborted) return { isError: true, content: `The call of ${label} was stopped.` };
      if (sdk && error instanceof sdk.McpError && error.code === sdk.ErrorCode.RequestTimeout) return { isError: true, content: `${label} did not answer within ${options.callTimeoutMs} ms.` };
      if (error instanceof AppError) return { isError: true, content: error.message };
      return { isError: true, content: `${label} failed: ${describeError(error)}` };
    }
  }

  function checkConfig(config: McpServerConfig): void {
    const reason = disabledReason(config);
    if (reason) throw new AppError('MCP_STDIO_DISABLED');
    if (config.transport === 'streamable-http') {
      let url: URL;
      try {
        url = new URL(config.url);
      } catch {
        throw new AppError('VALIDATION_FAILED', `url "${config.url}" is not a URL; write it like https://mcp.example.com/mcp.`);
      }
      const refused = checkUrl(url, policy);
      if (refused) throw new AppError('OUTBOUND_REQUEST_BLOCKED', refused.message, { hint: refused.hint });
    }
  }

  return {
    async list() {
      await refresh();
      return [...states.values()].map((state) => viewOf(state.config, disabledReason(state.config)));
    },
    async put(config) {
      checkConfig(config);
      await refresh(true);
      const configs = [...states.values()].map((state) => state.config);
      const index = configs.findIndex((existing) => existing.name === config.name);
      if (index === -1 && configs.length >= MAX_SERVERS) throw new AppError('VALIDATION_FAILED', `At most ${MAX_SERVERS} MCP servers can be configured; delete one first.`);
      if (index === -1) configs.push(config);
      else configs[index] = config;
      await options.store.save(configs);
      apply(configs);
      return { created: index === -1, server: viewOf(config, undefined) };
    },
    async remove(name) {
      await refresh(true);
      stateOf(name);
      const configs = [...states.values()].map((state) => state.config).filter((config) => config.name !== name);
      await options.store.save(configs);
      apply(configs);
    },
    async serverNames() {
      await refresh();
      return [...states.keys()];
    },
    async tools(name) {
      await refresh();
      return listTools(stateOf(name));
    },
    async probe(name) {
      await refresh();
      const state = states.get(name);
      if (!state) return { status: 'disabled', latencyMs: 0, detail: 'No longer configured.' };
      const reason = disabledReason(state.config);
      if (reason) return { status: 'disabled', latencyMs: 0, detail: reason, hint: 'Set MCP_STDIO_ENABLED=true and restart, or delete the server.' };
      return timed(async () => {
        // A fresh list, not the cache: the probe is a real round trip.
        state.tools = undefined;
        const tools = await listTools(state);
        const target = state.config.transport === 'stdio' ? `stdio: ${state.config.command}` : `streamable-http: ${new URL(state.config.url).origin}`;
        return `${tools.length} tool${tools.length === 1 ? '' : 's'}, ${target}`;
      }, state.config.transport === 'stdio'
        ? 'Check the command and its arguments (run it in a shell: it should wait for input on stdin).'
        : 'Check the URL, that the MCP server runs, and OUTBOUND_ALLOW_HOSTS for private or loopback addresses.');
    },
    configured: () => [...states.values()].map((state) => state.config),
    onChange(listener) {
      listeners.push(listener);
    },
    load: () => refresh(true),
    async close() {
      shutDown = true;
      await Promise.all([...states.values()].map(async (state) => {
        await state.connecting?.catch(() => undefined);
        await disconnect(state);
      }));
    },
  };
}

/** The session is gone (not a tool's or a protocol's error): a transport failure or a closed connection. */
function isBrokenSession(error: unknown): boolean {
  // SDK errors exist only once the SDK is loaded.
  if (sdk && error instanceof sdk.McpError) return error.code === sdk.ErrorCode.ConnectionClosed;
  // A stopped call rejects with its signal's reason; the session is fine.
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return false;
  return !(error instanceof AppError);
}

/** A Streamable HTTP server that restarted answers 404 for the old session id. */
function isUnknownSession(error: unknown): boolean {
  return sdk !== undefined && error instanceof sdk.StreamableHTTPError && error.code === 404;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
