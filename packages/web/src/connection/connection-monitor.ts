/**
 * Is the server there? GET /health/detailed now and then while it answers, and with backoff
 * and jitter while it does not. The state says which URL was tried and what went wrong; the
 * UI shows it as it is and never invents an answer.
 */
import { ApiError, NetworkError } from '../api/api-error';
import type { HealthDetailedResponse } from '../api/types';
import { backoffDelay, type BackoffOptions } from './backoff';

export type ConnectionState =
  | { phase: 'checking'; url: string }
  | { phase: 'online'; url: string; report: HealthDetailedResponse; checkedAt: number }
  | { phase: 'offline'; url: string; error: string; attempt: number; retryAt: number; since: number };

export interface ConnectionMonitorOptions {
  /** Absolute URL of /health/detailed, as shown to the user. */
  url: string;
  fetchHealth: (signal: AbortSignal) => Promise<HealthDetailedResponse>;
  /** Time between checks while the server answers. */
  pollMs?: number;
  /** False skips a routine check (a hidden tab); retries while offline always run. */
  shouldPoll?: () => boolean;
  timeoutMs?: number;
  backoff?: BackoffOptions;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface ConnectionMonitor {
  getState(): ConnectionState;
  subscribe(listener: () => void): () => void;
  start(): void;
  stop(): void;
  /** Check now: a button, a failed request or the browser coming back online. */
  checkNow(): void;
}

export function createConnectionMonitor(options: ConnectionMonitorOptions): ConnectionMonitor {
  const pollMs = options.pollMs ?? 15_000;
  const shouldPoll = options.shouldPoll ?? (() => true);
  const timeoutMs = options.timeoutMs ?? 8000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((timer: unknown) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  const listeners = new Set<() => void>();
  let state: ConnectionState = { phase: 'checking', url: options.url };
  let timer: unknown;
  let running = false;
  let inFlight: AbortController | undefined;

  const set = (next: ConnectionState) => {
    state = next;
    for (const listener of listeners) listener();
  };

  const schedule = (ms: number, routine: boolean) => {
    if (timer !== undefined) clearTimer(timer);
    timer = running ? setTimer(() => {
      if (routine && !shouldPoll()) schedule(ms, true);
      else void check();
    }, ms) : undefined;
  };

  async function check(): Promise<void> {
    if (!running || inFlight) return;
    const controller = new AbortController();
    inFlight = controller;
    const timeout = setTimer(() => controller.abort(new DOMException(`no answer within ${timeoutMs / 1000} s`, 'TimeoutError')), timeoutMs);
    try {
      const report = await options.fetchHealth(controller.signal);
      if (!running) return;
      set({ phase: 'online', url: options.url, report, checkedAt: now() });
      schedule(pollMs, true);
    } catch (error) {
      if (!running) return;
      const attempt = state.phase === 'offline' ? state.attempt + 1 : 0;
      const delay = backoffDelay(attempt, options.backoff);
      set({ phase: 'offline', url: options.url, error: describe(error, controller.signal), attempt, retryAt: now() + delay, since: state.phase === 'offline' ? state.since : now() });
      schedule(delay, false);
    } finally {
      clearTimer(timeout);
      inFlight = undefined;
    }
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (running) return;
      running = true;
      void check();
    },
    stop() {
      running = false;
      if (timer !== undefined) clearTimer(timer);
      timer = undefined;
      inFlight?.abort();
    },
    checkNow() {
      if (!running) return;
      if (timer !== undefined) clearTimer(timer);
      void check();
    },
  };
}

/** A health answer that is not SutazAI's report counts as "not reachable", with what came. */
function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'the check was cancelled';
  if (error instanceof NetworkError) return error.cause instanceof Error ? error.cause.message : error.message;
  if (error instanceof ApiError) return `${error.message}${error.hint ? ` ${error.hint}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
