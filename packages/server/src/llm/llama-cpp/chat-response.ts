import type { ChatHistoryItem, ChatWrapper, LlamaChatResponse, LlamaModel } from 'node-llama-cpp';
import type { FinishReason } from '../provider.js';

export function toFinishReason(stopReason: LlamaChatResponse['metadata']['stopReason']): FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    default:
      return 'other';
  }
}

/**
 * The sequence's token meter only counts tokens it had to evaluate, and LlamaChat reuses
 * the prefix left by the previous request, so the meter under-counts the prompt (0 for a
 * repeated one). The prompt as it sat in the context window (after any context shift) is
 * rendered and tokenized instead.
 */
export function countPromptTokens(model: LlamaModel, chatWrapper: ChatWrapper, response: LlamaChatResponse, history: readonly ChatHistoryItem[]): number {
  const window = response.lastEvaluation.contextWindow;
  const requestTail = history.at(-1);
  // The window ends with the model's reply; the prompt ended with the (usually empty) model item sent.
  const prompt = requestTail ? [...window.slice(0, -1), requestTail] : window;
  return chatWrapper.generateContextState({ chatHistory: prompt }).contextText.tokenize(model.tokenizer).length;
}
