/**
 * Who is signed in. GET /api/v1/auth/me decides: 200 is a session (or a server with
 * AUTH=disabled, where everyone is the local administrator), 401 is the sign-in screen.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, toShownError, type ShownError } from '../api/api-error';
import { CSRF_COOKIE, readDocumentCookie } from '../api/api-client';
import type { User } from '../api/types';
import { useServices } from '../app/services';

export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice?: string | undefined }
  | { kind: 'signed-in'; user: User; singleUser: boolean }
  | { kind: 'unavailable'; error: ShownError };

interface SessionContextValue {
  state: SessionState;
  signedIn(user: User): void;
  signOut(): Promise<void>;
  refresh(): void;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/** The server's single-user owner id (AUTH=disabled). Without a CSRF cookie no session is in use either. */
const LOCAL_OWNER_ID = 'local';

export function isSingleUser(user: User, readCookie: (name: string) => string | undefined = readDocumentCookie): boolean {
  return user.id === LOCAL_OWNER_ID || readCookie(CSRF_COOKIE) === undefined;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { api, monitor, onSessionExpired } = useServices();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.auth.me(controller.signal).then(
      (user) => setState({ kind: 'signed-in', user, singleUser: isSingleUser(user) }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) setState({ kind: 'signed-out' });
        else setState({ kind: 'unavailable', error: toShownError(error) });
      },
    );
    return () => controller.abort();
  }, [api, generation]);

  // When the server comes back, find out again who we are.
  const unavailable = state.kind === 'unavailable';
  useEffect(() => {
    if (!unavailable) return undefined;
    return monitor.subscribe(() => {
      if (monitor.getState().phase === 'online') setGeneration((g) => g + 1);
    });
  }, [monitor, unavailable]);

  useEffect(() => onSessionExpired(() => setState((current) =>
    current.kind === 'signed-in' && !current.singleUser ? { kind: 'signed-out', notice: 'Your session ended (signed out elsewhere, expired or revoked). Sign in again.' } : current)), [onSessionExpired]);

  const signedIn = useCallback((user: User) => setState({ kind: 'signed-in', user, singleUser: isSingleUser(user) }), []);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const signOut = useCallback(async () => {
    try {
      await api.auth.logout();
    } catch (error) {
      // Already signed out is signed out; anything else goes to the caller, who shows it.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    setState({ kind: 'signed-out', notice: 'You are signed out.' });
  }, [api]);

  const value = useMemo(() => ({ state, signedIn, signOut, refresh }), [state, signedIn, signOut, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession needs a SessionProvider');
  return value;
}

/** The signed-in user; only for screens shown after sign-in. */
export function useUser(): { user: User; singleUser: boolean } {
  const { state } = useSession();
  if (state.kind !== 'signed-in') throw new Error('useUser needs a signed-in session');
  return { user: state.user, singleUser: state.singleUser };
}
