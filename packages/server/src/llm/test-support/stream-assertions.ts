import { ProviderError, type ChatStreamPart } from '../provider.js';

export interface CollectedStream {
  parts: ChatStreamPart[];
  /** The text of every text-delta, in order. */
  deltas: string[];
  /** What the iteration threw, if it did. */
  error: unknown;
}

/** Drains a chat stream, keeping what arrived before an error as well as the error. */
export async function collectStream(stream: AsyncIterable<ChatStreamPart>, onPart?: (part: ChatStreamPart, index: number) => void): Promise<CollectedStream> {
  const parts: ChatStreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of stream) {
      parts.push(part);
      onPart?.(part, parts.length - 1);
    }
  } catch (caught) {
    error = caught;
  }
  const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
  return { parts, deltas, error };
}

/** Narrows to a ProviderError or fails with what was thrown instead, so tests read plainly. */
export function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  throw new Error(`expected a ProviderError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
}

export async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return asProviderError(error);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Resolves with true if `promise` settles within `ms`, false otherwise. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
