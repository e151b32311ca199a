/**
 * One operation at a time per key (a collection): embedded engines commit table versions or
 * files that two concurrent writers in one process would race on.
 */
export interface SerialQueues {
  run<T>(key: string, action: () => Promise<T> | T): Promise<T>;
  /** Resolves when everything queued so far has finished (failures included). */
  idle(): Promise<void>;
}

export function createSerialQueues(): SerialQueues {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, action) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(action, action);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}
