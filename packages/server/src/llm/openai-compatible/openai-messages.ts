import type { ChatMessage } from '../provider.js';

/** Provider messages in chat-completions shape: tool calls carry JSON-text arguments, results their call id. */
export function toOpenAIMessages(messages: readonly ChatMessage[]): unknown[] {
  return messages.map((message) => {
    if (message.role === 'assistant' && message.toolCalls?.length) {
      return {
        role: 'assistant',
        // OpenAI documents null content for a turn that only calls tools.
        content: message.content === '' ? null : message.content,
        tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
      };
    }
    if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    return { role: message.role, content: message.content };
  });
}
