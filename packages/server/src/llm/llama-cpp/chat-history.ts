import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ChatMessage } from '../provider.js';

/**
 * Turns provider messages into node-llama-cpp's chat history. The history always ends with
 * a model item: an empty one asks for a new reply, a trailing assistant message is
 * continued (a prefill), which is how node-llama-cpp's LlamaChat distinguishes the two.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case 'system':
        return { type: 'system', text: message.content };
      case 'assistant':
        return { type: 'model', response: [message.content] };
      case 'user':
        return { type: 'user', text: message.content };
      case 'tool':
        // This adapter declares no tool calls, so a tool result can only come from a
        // conversation started elsewhere; passing it on as user text keeps its content
        // in the prompt instead of silently dropping it.
        return { type: 'user', text: message.content };
    }
  });
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}
