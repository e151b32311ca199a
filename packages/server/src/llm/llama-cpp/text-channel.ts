/**
 * Bridges node-llama-cpp's synchronous `onTextChunk` callback to a pull-based reader.
 *
 * The producer cannot be paused (the callback returns void and generation keeps going), so
 * a slow reader cannot push back. Instead the queue keeps at most `maxPendingChunks` entries
 * and appends further text to the newest one: nothing is lost or reordered, and the number
 * of queued objects stays small. The text itself is bounded by the caller's token limit.
 */
export interface TextChannel {
  push(text: string): void;
  /** No more text will come; the reader drains what is queued, then sees the end. */
  end(): void;
  /** The reader drains what is queued, then receives `error`. */
  fail(error: unknown): void;
  /** The next chunk, `undefined` after `end()`; rejects after `fail()` once drained. */
  next(): Promise<string | undefined>;
}

export function createTextChannel(maxPendingChunks = 16): TextChannel {
  const pending: string[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wakeReader: (() => void) | undefined;

  function wake(): void {
    const resolve = wakeReader;
    wakeReader = undefined;
    resolve?.();
  }

  return {
    push(text) {
      if (ended || text === '') return;
      if (pending.length >= maxPendingChunks) pending[pending.length - 1] += text;
      else pending.push(text);
      wake();
    },
    end() {
      ended = true;
      wake();
    },
    fail(error) {
      if (ended) return;
      failure = { error };
      ended = true;
      wake();
    },
    async next() {
      for (;;) {
        const text = pending.shift();
        if (text !== undefined) return text;
        if (failure) throw failure.error;
        if (ended) return undefined;
        await new Promise<void>((resolve) => {
          wakeReader = resolve;
        });
      }
    },
  };
}
