import { afterEach } from 'vitest';
import { createGuardedFetch } from '../outbound-guard.js';
import type { OutboundPolicy } from '../outbound-policy.js';
import { answerOk, startLocalHttpServer, type Handler, type LocalHttpServer } from './local-http-server.js';

export interface GuardTestScope {
  /** A local server, closed after the test. */
  serve(handler?: Handler, host?: string): Promise<LocalHttpServer>;
  /** A guarded fetch, its connections closed after the test. */
  guarded(policy?: OutboundPolicy): typeof fetch;
}

/** Call once per test file: registers the cleanup that closes what each test opened. */
export function useGuardTestScope(): GuardTestScope {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async serve(handler = answerOk, host) {
      const server = await startLocalHttpServer(handler, host);
      cleanups.push(() => server.close());
      return server;
    },
    guarded(policy = {}) {
      const guardedFetch = createGuardedFetch(policy);
      cleanups.push(() => guardedFetch.close());
      return guardedFetch;
    },
  };
}
