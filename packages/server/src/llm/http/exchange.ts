import { ProviderError } from '../provider.js';

/** How a guarded wait ends when it does not end by itself. */
export interface GuardRules {
  /** Epoch ms after which the wait fails; read again when it fires, because it may have moved. */
  deadline: () => number | undefined;
  onDeadline: () => ProviderError;
  /** Explains an error the work itself threw, when the exchange has not failed already. */
  onError: (error: unknown) => ProviderError;
}

/** A deadline that moves as the exchange progresses, e.g. the time allowed until the next token. */
export interface WatchRules {
  /** Epoch ms after which the exchange fails; read when the timer fires, so moving it costs nothing. */
  deadline: () => number;
  onDeadline: () => ProviderError;
}

/**
 * One upstream request's life: the abort controller handed to fetch, the link to the
 * caller's signal, and the first failure. A wait for the headers goes through `guard`, so a
 * timeout or a caller abort rejects it at once instead of whenever fetch notices; a streamed
 * body is watched by one timer (`watch`) rather than one per read. Either way the error the
 * consumer sees is the cause, not fetch's AbortError.
 */
export interface Exchange {
  readonly signal: AbortSignal;
  readonly startedAt: number;
  /** The first failure, once there is one. */
  readonly failure: ProviderError | undefined;
  /** Records the first failure and aborts the request; later failures lose to it. */
  fail(error: ProviderError): ProviderError;
  guard<T>(work: Promise<T>, rules: GuardRules): Promise<T>;
  /** Calls `listener` with the first failure, at once when there is one already. */
  onFailure(listener: (error: ProviderError) => void): void;
  /** Fails the exchange once `rules.deadline()` has passed, until `release()`. */
  watch(rules: WatchRules): void;
  /** The watched deadline moved earlier (e.g. from first-token to between-tokens): re-arms the timer for it. */
  rewatch(): void;
  /** The answer was read to its end: `release()` leaves the request (and its connection) alone. */
  complete(): void;
  /** Aborts whatever is still in flight, stops the watch and unlinks the caller's signal; idempotent. */
  release(): void;
}

export function startExchange(providerId: string, callerSignal: AbortSignal | undefined): Exchange {
  const controller = new AbortController();
  const startedAt = Date.now();
  const failureListeners = new Set<(error: ProviderError) => void>();
  let failure: ProviderError | undefined;
  let completed = false;
  let watchTimer: ReturnType<typeof setTimeout> | undefined;
  let watchRules: WatchRules | undefined;

  function fail(error: ProviderError): ProviderError {
    if (failure) return failure;
    failure = error;
    clearTimeout(watchTimer);
    controller.abort(error);
    for (const listener of [...failureListeners]) listener(error);
    failureListeners.clear();
    return error;
  }

  function onCallerAbort(): void {
    fail(new ProviderError(providerId, 'aborted', 'the request was aborted by the caller', { cause: callerSignal?.reason }));
  }
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  function onFailure(listener: (error: ProviderError) => void): void {
    if (failure) listener(failure);
    else failureListeners.add(listener);
  }

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

  // Re-armed when it fires early (the deadline moved on meanwhile) or by `rewatch`, never per token.
  function checkWatch(): void {
    if (!watchRules || failure) return;
    const wait = watchRules.deadline() - Date.now();
    if (wait <= 0) fail(watchRules.onDeadline());
    else watchTimer = setTimeout(checkWatch, wait);
  }

  function watch(rules: WatchRules): void {
    if (failure || watchRules) return;
    watchRules = rules;
    checkWatch();
  }

  function rewatch(): void {
    if (failure || !watchRules) return;
    clearTimeout(watchTimer);
    checkWatch();
  }

  function release(): void {
    clearTimeout(watchTimer);
    watchRules = undefined;
    failureListeners.clear();
    callerSignal?.removeEventListener('abort', onCallerAbort);
    if (!completed && !controller.signal.aborted) controller.abort();
  }

  return {
    signal: controller.signal,
    startedAt,
    get failure() {
      return failure;
    },
    fail,
    guard,
    onFailure,
    watch,
    rewatch,
    complete: () => {
      completed = true;
    },
    release,
  };
}
