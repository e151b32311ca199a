/**
 * Says plainly when the server cannot be reached (the URL tried and the error), when it will
 * try again, and lets the person try now. Also says when the server answers but is degraded.
 */
import { useEffect, useState } from 'react';
import { navigate } from '../app/router';
import type { ConnectionState } from './connection-monitor';

export function ConnectionBanner({ state, onRetry, now = Date.now }: { state: ConnectionState; onRetry: () => void; now?: () => number }) {
  const [, tick] = useState(0);
  const offline = state.phase === 'offline';
  useEffect(() => {
    if (!offline) return undefined;
    const timer = setInterval(() => tick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [offline]);

  if (state.phase === 'offline') {
    const seconds = Math.max(0, Math.ceil((state.retryAt - now()) / 1000));
    return (
      <div className="banner banner-offline" role="alert" data-testid="connection-banner" data-state="offline">
        <p>
          <strong>The SutazAI server cannot be reached.</strong> Tried <code>GET {state.url}</code>: {state.error}
        </p>
        <p className="banner-detail">
          {seconds > 0 ? `Trying again in ${seconds} s` : 'Trying again now'} (attempt {state.attempt + 1}). Nothing you send can be answered until it is back.
          {' '}<button type="button" className="button-small" onClick={onRetry} data-testid="connection-retry">Retry now</button>
        </p>
      </div>
    );
  }
  if (state.phase === 'online' && state.report.status !== 'healthy') {
    const failing = state.report.services.filter((s) => s.status === 'down').map((s) => s.name);
    const text = state.report.status === 'down'
      ? 'The server answers, but its database does not: nothing can be stored or read.'
      : 'The server answers, but no model provider does: replies cannot be generated.';
    return (
      <div className="banner banner-degraded" role="status" data-testid="connection-banner" data-state={state.report.status}>
        <p>
          <strong>{text}</strong>{failing.length > 0 ? ` Down: ${failing.join(', ')}.` : ''} <a href="/status" onClick={(event) => { event.preventDefault(); navigate('/status'); }}>See the status page</a>.
        </p>
      </div>
    );
  }
  return null;
}
