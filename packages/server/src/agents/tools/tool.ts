/**
 * The tool capability: what the agent runtime calls and what built-in and MCP tools provide.
 * A tool's result is data for the model, never instructions: the runtime fences it as such.
 */
import type { ToolDefinition } from '../../llm/provider.js';

export interface ToolContext {
  /** The user the agent acts for; a tool sees only what this user may see. */
  ownerId: string;
  /** Aborted on stop, disconnect, or when the agent's time limit runs out. */
  signal: AbortSignal;
  /** The user's role; tools that reveal server internals (system_health details) show them to admins only. */
  role?: 'admin' | 'user';
  /** The knowledge bases of the turn (the agent's and the request's); knowledge_search searches these. */
  knowledgeBases?: readonly string[];
}

export interface ToolResult {
  /** Text handed to the model (JSON as text for structured results). */
  content: string;
  /** True when the tool failed; the model is told and may try another way. */
  isError?: boolean;
}

export interface Tool extends ToolDefinition {
  /** Where it comes from: `builtin`, or `mcp:<server>`. */
  source: string;
  /** Validates `args` against `parameters` itself; bad arguments are an error result, not a throw. */
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}

export interface ToolInfo {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  source: string;
  enabled: boolean;
}

export interface ToolRegistry {
  /** Every tool known, with whether it may be used on this server. */
  list(): Promise<ToolInfo[]>;
  /**
   * The tools behind an agent's tool list. Entries are tool names (`calculator`), a whole MCP
   * server (`mcp:<server>`) or one of its tools (`mcp:<server>/<tool>`). Unknown or disabled
   * entries are left out and reported in `missing`, never thrown: an agent keeps working when
   * an MCP server is down.
   */
  resolve(entries: readonly string[]): Promise<{ tools: Tool[]; missing: string[] }>;
}
