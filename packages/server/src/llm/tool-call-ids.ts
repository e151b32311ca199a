import { randomBytes } from 'node:crypto';

/**
 * Ids for tool calls from engines that send none (Ollama, the embedded llama.cpp). They are
 * numbered in reply order and carry a per-reply random part, because a tool result is matched
 * to its call by id across the whole conversation, where a bare `call_0` would repeat.
 */
export function createToolCallIds(): (index: number) => string {
  const reply = randomBytes(4).toString('hex');
  return (index) => `call_${reply}_${index}`;
}
