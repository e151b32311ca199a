/**
 * What every screen uses: the typed API and the connection monitor, made once and handed down
 * by context, so tests can hand in their own (with a scripted fetch).
 */
import { createContext, useContext, type ReactNode } from 'react';
import { createApiClient } from '../api/api-client';
import { createSutazaiApi, fetchHealth, HEALTH_PATH, type SutazaiApi } from '../api/sutazai-api';
import { createConnectionMonitor, type ConnectionMonitor } from '../connection/connection-monitor';

export interface Services {
  api: SutazaiApi;
  monitor: ConnectionMonitor;
  /** Calls back when a request finds the session gone (401 UNAUTHENTICATED). */
  onSessionExpired(listener: () => void): () => void;
}

export interface ServicesOptions {
  fetch?: typeof fetch;
  baseUrl?: string;
  pollMs?: number;
}

export function createServices(options: ServicesOptions = {}): Services {
  const expiredListeners = new Set<() => void>();
  let monitor: ConnectionMonitor | undefined;
  const client = createApiClient({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    // A request that got no answer means the server may be gone: check at once.
    onNetworkError: () => monitor?.checkNow(),
    onUnauthenticated: () => {
      for (const listener of expiredListeners) listener();
    },
  });
  const healthUrl = new URL(client.url(HEALTH_PATH), typeof location === 'undefined' ? 'http://localhost/' : location.href).href;
  monitor = createConnectionMonitor({
    url: healthUrl,
    fetchHealth: (signal) => fetchHealth(client, signal),
    // A hidden tab does not poll; it checks again as soon as it is shown (see useConnection).
    shouldPoll: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  return {
    api: createSutazaiApi(client),
    monitor,
    onSessionExpired(listener) {
      expiredListeners.add(listener);
      return () => expiredListeners.delete(listener);
    },
  };
}

const ServicesContext = createContext<Services | undefined>(undefined);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices needs a ServicesProvider');
  return services;
}
