import { AppError } from '../errors/catalogue.js';
/**
 * Counting limits (requests per minute, failed sign-ins): a fixed window per key. In memory
 * now; a Redis adapter implements the same interface so limits hold across replicas.
 */
export interface LimitDecision {
  allowed: boolean;
  /** Hits left in the window after this one. */
  remaining: number;
  /** Seconds until the window resets: the Retry-After of a refusal. */
  retryAfterSeconds: number;
}

export interface WindowLimiter {
  /** Counts a hit and says whether it was within the limit. */
  hit(key: string, limit: number, windowMs: number): LimitDecision | Promise<LimitDecision>;
  /** Says whether a key is over its limit, without counting. */
  peek(key: string, limit: number, windowMs: number): LimitDecision | Promise<LimitDecision>;
  reset(key: string): void | Promise<void>;
}

export function createInMemoryWindowLimiter(): WindowLimiter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  let lastSweep = Date.now();

  const current = (key: string, windowMs: number, now: number) => {
    // Expired windows are dropped now and then so idle keys do not pile up.
    if (now - lastSweep > 60_000) {
      for (const [k, w] of windows) if (w.endsAt <= now) windows.delete(k);
      lastSweep = now;
    }
    let window = windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      windows.set(key, window);
    }
    return window;
  };
  const decision = (count: number, limit: number, endsAt: number, now: number): LimitDecision => ({
    allowed: count <= limit,
    remaining: Math.max(0, limit - count),
    retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)),
  });

  return {
    hit(key, limit, windowMs) {
      const now = Date.now();
      const window = current(key, windowMs, now);
      window.count++;
      return decision(window.count, limit, window.endsAt, now);
    },
    peek(key, limit, windowMs) {
      const now = Date.now();
      const window = current(key, windowMs, now);
      return decision(window.count + 1, limit, window.endsAt, now);
    },
    reset(key) {
      windows.delete(key);
    },
  };
}

/**
 * A limiter whose store may be away (Redis): by configuration, a failure refuses the request
 * with 503 LIMITS_UNAVAILABLE, or lets it through without limits and says so in the log.
 */
export function withFailurePolicy(inner: WindowLimiter, policy: 'refuse' | 'allow', onFailure: (error: unknown) => void): WindowLimiter {
  const guard = async (action: () => LimitDecision | Promise<LimitDecision>, limit: number): Promise<LimitDecision> => {
    try {
      return await action();
    } catch (error) {
      onFailure(error);
      if (policy === 'refuse') throw new AppError('LIMITS_UNAVAILABLE', undefined, { cause: error });
      return { allowed: true, remaining: limit, retryAfterSeconds: 1 };
    }
  };
  return {
    hit: (key, limit, windowMs) => guard(() => inner.hit(key, limit, windowMs), limit),
    peek: (key, limit, windowMs) => guard(() => inner.peek(key, limit, windowMs), limit),
    async reset(key) {
      try {
        await inner.reset(key);
      } catch (error) {
        onFailure(error);
      }
    },
  };
}
