/**
 * An MCP tool result as the model reads it: the text parts joined, other parts named (an
 * image or audio cannot be passed on as text), structured content as JSON when there is no
 * text, cut to a size a model's context can hold.
 */
import { truncateText } from '../tools/tool-arguments.js';
import type { ToolResult } from '../tools/tool.js';

export const MAX_RESULT_CHARS = 100_000;

interface ContentPart {
  type: string;
  text?: unknown;
  mimeType?: unknown;
  data?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; text?: unknown; mimeType?: unknown };
}

export function toToolResult(result: Record<string, unknown>, maxChars = MAX_RESULT_CHARS): ToolResult {
  const parts: string[] = [];
  const content = Array.isArray(result.content) ? (result.content as ContentPart[]) : [];
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') parts.push(part.text);
    else if (part.type === 'image' || part.type === 'audio') parts.push(`[${part.type} ${String(part.mimeType ?? '')}, ${typeof part.data === 'string' ? Math.floor((part.data.length * 3) / 4) : 0} bytes: not shown]`);
    else if (part.type === 'resource' && part.resource) parts.push(typeof part.resource.text === 'string' ? part.resource.text : `[resource ${String(part.resource.uri ?? '')}, ${String(part.resource.mimeType ?? 'binary')}: not shown]`);
    else if (part.type === 'resource_link') parts.push(`[link: ${String(part.uri ?? '')}${part.name ? ` (${String(part.name)})` : ''}]`);
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  // Older servers answer { toolResult } instead of content.
  if (parts.length === 0 && result.toolResult !== undefined) parts.push(typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult));
  const text = truncateText(parts.join('\n'), maxChars);
  return result.isError === true ? { content: text || 'The tool failed without saying why.', isError: true } : { content: text };
}
