import { useEffect, useSyncExternalStore } from 'react';
import type { ConnectionMonitor, ConnectionState } from './connection-monitor';

/** The monitor's state, and the monitor running while a component uses it. */
export function useConnection(monitor: ConnectionMonitor): ConnectionState {
  useEffect(() => {
    monitor.start();
    const again = () => monitor.checkNow();
    const onVisible = () => {
      if (document.visibilityState === 'visible') monitor.checkNow();
    };
    window.addEventListener('online', again);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('online', again);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [monitor]);
  return useSyncExternalStore(monitor.subscribe, monitor.getState);
}
