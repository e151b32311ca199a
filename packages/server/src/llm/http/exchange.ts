import { ProviderError } from '../provider.js';

/** How a guarded wait ends when it does not end by itself. */
export interface GuardRules {
  /** Epoch ms after which the wait fails; read again when it fires, because it may have moved. */
  deadline: () => number | undefined;
  onDeadline: () => ProviderError;
  /** Explains an error the work itself threw, when the exchange has not failed already. */
  onError: (error: unknown) => ProviderError;
}

/**
 * One upstream request's life: the abort controller handed to fetch, the link to the
 * caller's signal, and the first failure. Every wait (headers, each body read) goes through
 * `guard`, so a timeout or a caller abort rejects the wait at once instead of whenever
 * fetch notices, and the error the consumer sees is the cause, not fetch's AbortError.
 */
export interface Exchange {
  readonly signal: AbortSignal;
  readonly startedAt: number;
  /** Records the first failure and aborts the request; later failures lose to it. */
  fail(error: ProviderError): ProviderError;
  guard<T>(work: Promise<T>, rules: GuardRules): Promise<T>;
  /** Aborts whatever is still in flight and unlinks the caller's signal; idempotent. */
  release(): void;
}

export function startExchange(providerId: string, callerSignal: AbortSignal | undefined): Exchange {
  const controller = new AbortController();
  const startedAt = Date.now();
  const failureListeners = new Set<(error: ProviderError) => void>();
  let failure: ProviderError | undefined;

  function fail(error: ProviderError): ProviderError {
    if (failure) return failure;
    failure = error;
    controller.abort(error);
    for (const listener of [...failureListeners]) listener(error);
    return error;
  }

  function onCallerAbort(): void {
    fail(new ProviderError(providerId, 'aborted', 'the request was aborted by the caller', { cause: callerSignal?.reason }));
  }
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  function guard<T>(work: Promise<T>, rules: GuardRules): Promise<T> {
    if (failure) {
      work.catch(() => undefined);
      return Promise.reject(failure);
    }
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        clearTimeout(timer);
        failureListeners.delete(onFailure);
      };
      const onFailure = (error: ProviderError): void => {
        settle();
        reject(error);
      };
      const check = (): void => {
        const deadline = rules.deadline();
        if (deadline === undefined) return;
        const wait = deadline - Date.now();
        if (wait <= 0) fail(rules.onDeadline());
        else timer = setTimeout(check, wait);
      };
      failureListeners.add(onFailure);
      work.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(failure ?? (error instanceof ProviderError ? error : rules.onError(error)));
        },
      );
      check();
    });
  }

  function release(): void {
    callerSignal?.removeEventListener('abort', onCallerAbort);
    if (!controller.signal.aborted) controller.abort();
  }

  return { signal: controller.signal, startedAt, fail, guard, release };
}
