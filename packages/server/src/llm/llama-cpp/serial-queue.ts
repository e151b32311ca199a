/**
 * Runs tasks one at a time, in arrival order. One model has one context sequence, and its
 * token meter is read before and after each generation, so two generations must never
 * overlap on it.
 */
export interface SerialQueue {
  /** Rejects with the signal's reason if it aborts while the task is still waiting its turn. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<void> = Promise.resolve();

  return {
    async run(task, signal) {
      const previous = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      try {
        await waitUnlessAborted(previous, signal);
        return await task();
      } finally {
        // A task that gave up waiting must not let its successor overtake the task still
        // running ahead of it, so the turn passes on only once `previous` is done too.
        void previous.then(release);
      }
    },
  };
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
