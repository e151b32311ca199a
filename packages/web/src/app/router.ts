/** The few screens of the app as paths, on the History API; the server answers index.html for each. */
import { useCallback, useSyncExternalStore } from 'react';

export type Route =
  | { name: 'chat'; conversationId: string | undefined }
  | { name: 'status' }
  | { name: 'settings' }
  | { name: 'setup' }
  | { name: 'agents' }
  /** A new agent (`agentId` undefined) or one to edit or view. */
  | { name: 'agent'; agentId: string | undefined }
  | { name: 'knowledge' }
  | { name: 'knowledge-base'; baseId: string }
  | { name: 'runs' }
  | { name: 'run'; runId: string }
  | { name: 'not-found'; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'chat', conversationId: undefined };
  const conversation = /^\/c\/([^/]+)$/.exec(path);
  if (conversation) {
    try {
      return { name: 'chat', conversationId: decodeURIComponent(conversation[1]!) };
    } catch {
      return { name: 'not-found', path };
    }
  }
  if (path === '/status') return { name: 'status' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/setup') return { name: 'setup' };
  if (path === '/agents') return { name: 'agents' };
  if (path === '/agents/new') return { name: 'agent', agentId: undefined };
  if (path === '/knowledge') return { name: 'knowledge' };
  if (path === '/runs') return { name: 'runs' };
  const [kind, value] = /^\/(agents|knowledge|runs)\/([^/]+)$/.exec(path)?.slice(1) ?? [];
  if (!kind || value === undefined) return { name: 'not-found', path };
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return { name: 'not-found', path };
  }
  if (kind === 'agents') return { name: 'agent', agentId: decoded };
  if (kind === 'knowledge') return { name: 'knowledge-base', baseId: decoded };
  return { name: 'run', runId: decoded };
}

export function conversationPath(id: string): string {
  return `/c/${encodeURIComponent(id)}`;
}

export function agentPath(id: string): string {
  return `/agents/${encodeURIComponent(id)}`;
}

export function knowledgeBasePath(id: string): string {
  return `/knowledge/${encodeURIComponent(id)}`;
}

export function runPath(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

const NAVIGATE_EVENT = 'sutazai:navigate';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATE_EVENT, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATE_EVENT, listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export function useRoute(): [Route, (path: string, options?: { replace?: boolean }) => void] {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  const go = useCallback((path: string, options?: { replace?: boolean }) => navigate(path, options), []);
  return [parseRoute(pathname), go];
}
