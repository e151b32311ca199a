import type { ToolDefinition } from '../provider.js';
import { isRecord } from './json-values.js';
import { excerpt, protocolError } from './upstream-errors.js';

/** OpenAI's and Ollama's shared shape for tools; omitted when there are none (some servers reject `tools: []`). */
export function toFunctionTools(tools: readonly ToolDefinition[] | undefined): unknown[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
}

/**
 * A tool call's arguments as an object. OpenAI sends a JSON string, Ollama an object; an
 * empty string or none at all is a call without arguments. Anything else is the model's malformed output,
 * reported as a protocol error naming the tool so the log says which call broke.
 */
export function toolArguments(providerId: string, toolName: string, value: unknown, note = ''): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw protocolError(providerId, `the arguments of the call to tool "${toolName}" are not valid JSON${note}: ${excerpt(value)}`);
    }
    if (isRecord(parsed)) return parsed;
  }
  throw protocolError(providerId, `the arguments of the call to tool "${toolName}" are not a JSON object${note}: ${excerpt(JSON.stringify(value) ?? String(value))}`);
}
