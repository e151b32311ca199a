import type { AddressClass } from './address-classification.js';

/** Why an outbound request was refused: an address class, or a rule about the URL itself. */
export type OutboundBlockReason = Exclude<AddressClass, 'public'> | 'scheme' | 'credentials' | 'socket-path' | 'redirect-limit';

/**
 * The settings that relax the guard, named once so messages and configuration agree.
 * The configuration schema is expected to define variables with these names.
 */
export const OUTBOUND_SETTINGS = {
  allowPrivate: 'OUTBOUND_ALLOW_PRIVATE',
  allowLoopback: 'OUTBOUND_ALLOW_LOOPBACK',
  allowHosts: 'OUTBOUND_ALLOW_HOSTS',
  allowCredentials: 'OUTBOUND_ALLOW_URL_CREDENTIALS',
} as const;

export interface OutboundRefusal {
  reason: OutboundBlockReason;
  /** What was refused: the URL (without credentials, query or fragment), or `host:port`. */
  target: string;
  /** The host as the request named it (a name or an address literal). */
  host: string;
  /** The refused address, when the refusal is about an address. */
  address?: string;
  /** Why, as a clause: "127.0.0.1 is a loopback address (this machine)". */
  detail: string;
  /** How to allow it, as sentences naming the settings. */
  hint: string;
}

/**
 * An outbound request the guard refused before any byte reached the destination. Shaped
 * like AppError (`code`, `status`, `hint`, `retryable`) so the error boundary can show it;
 * `message` reads whole on its own: what was refused, why, and how to allow it.
 */
export class OutboundRequestBlockedError extends Error {
  readonly code = 'OUTBOUND_REQUEST_BLOCKED';
  /** The request was understood and is refused by policy: 403, not 400. */
  readonly status = 403;
  readonly retryable = false;
  readonly reason: OutboundBlockReason;
  readonly target: string;
  readonly host: string;
  readonly address: string | undefined;
  readonly detail: string;
  readonly hint: string;

  constructor(refusal: OutboundRefusal) {
    super(`Refused an outbound request to ${refusal.target}: ${refusal.detail}. ${refusal.hint}`);
    this.name = 'OutboundRequestBlockedError';
    this.reason = refusal.reason;
    this.target = refusal.target;
    this.host = refusal.host;
    this.address = refusal.address;
    this.detail = refusal.detail;
    this.hint = refusal.hint;
  }

  /** The same refusal, naming the URL instead of the `host:port` the socket layer knew. */
  withTarget(target: string): OutboundRequestBlockedError {
    const { reason, host, address, detail, hint } = this;
    return new OutboundRequestBlockedError({ reason, target, host, detail, hint, ...(address === undefined ? {} : { address }) });
  }
}

/**
 * A URL fit for an error message or a log: no user name or password, no query (API keys
 * travel there), no fragment, and not unbounded.
 */
export function displayUrl(url: URL): string {
  const slashes = url.href.startsWith(`${url.protocol}//`) ? '//' : '';
  const base = `${url.protocol}${slashes}${url.host}${url.pathname}`;
  return base.length > 120 ? `${base.slice(0, 119)}…` : base;
}
