import type { ChatMessage } from '../provider.js';

/**
 * Provider messages in /api/chat shape. Ollama matches a tool result to its call by the
 * tool's name, not an id, so a result without `toolName` borrows it from the call it answers.
 */
export function toOllamaMessages(messages: readonly ChatMessage[]): unknown[] {
  const toolNames = new Map(messages.flatMap((message) => message.toolCalls ?? []).map((call) => [call.id, call.name]));
  return messages.map((message) => {
    if (message.role === 'assistant' && message.toolCalls?.length) {
      return { role: 'assistant', content: message.content, tool_calls: message.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) };
    }
    if (message.role === 'tool') {
      const toolName = message.toolName ?? (message.toolCallId === undefined ? undefined : toolNames.get(message.toolCallId));
      return { role: 'tool', content: message.content, ...(toolName === undefined ? {} : { tool_name: toolName }) };
    }
    return { role: message.role, content: message.content };
  });
}
