import { finished, type Readable } from 'node:stream';

/**
 * The bytes of an answer, read one chunk at a time. Every token of a streamed answer passes
 * through here, so a read is one promise, not a chain of stream layers.
 */
export interface ChunkSource {
  read(): Promise<IteratorResult<Uint8Array, undefined>>;
  /** Stops reading and lets go of the connection; a pending read ends (done, or rejected). */
  cancel(reason?: unknown): void;
}

/** A web stream, e.g. the body of the global fetch's Response. */
export function webChunkSource(body: ReadableStream<Uint8Array>): ChunkSource {
  const reader = body.getReader();
  return {
    read: () => reader.read() as Promise<IteratorResult<Uint8Array, undefined>>,
    cancel(reason) {
      reader.cancel(reason).catch(() => undefined);
    },
  };
}

/**
 * A node stream (node:http's IncomingMessage, or its decompressor), read in flowing mode: a
 * chunk the parser hands over settles the waiting read directly. Paused while nobody reads.
 */
export function nodeChunkSource(stream: Readable): ChunkSource {
  const buffered: Uint8Array[] = [];
  let waiting: { resolve(result: IteratorResult<Uint8Array, undefined>): void; reject(error: unknown): void } | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;

  stream.on('data', (chunk: Uint8Array) => {
    if (waiting) {
      const reader = waiting;
      waiting = undefined;
      reader.resolve({ done: false, value: chunk });
    } else {
      buffered.push(chunk);
      stream.pause();
    }
  });
  // Also reports a connection closed before the end of the body (premature close) as an error.
  finished(stream, (error) => {
    if (error) failure = { error };
    else ended = true;
    if (waiting && buffered.length === 0) {
      const reader = waiting;
      waiting = undefined;
      if (failure) reader.reject(failure.error);
      else reader.resolve({ done: true, value: undefined });
    }
  });

  return {
    read() {
      const chunk = buffered.shift();
      if (chunk !== undefined) {
        if (buffered.length === 0 && !ended && !failure) stream.resume();
        return Promise.resolve({ done: false, value: chunk });
      }
      if (failure) return Promise.reject(failure.error);
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    cancel(reason) {
      stream.destroy(reason instanceof Error ? reason : undefined);
    },
  };
}
