/**
 * The doctor's raw network round trips: name resolution through an injectable resolver, a
 * timed TCP connect, and a send-and-read exchange for recognising what speaks on a port.
 */
import { lookup } from 'node:dns/promises';
import { connect as connectSocket, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** Every address a name resolves to; rejects when it does not resolve. Same shape as the outbound guard's. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};

export type ResolveOutcome = { ok: true; addresses: string[]; latencyMs: number } | { ok: false; reason: string; latencyMs: number };

export async function resolveName(resolver: Resolver, hostname: string, timeoutMs: number): Promise<ResolveOutcome> {
  const bare = stripBrackets(hostname);
  if (isIP(bare)) return { ok: true, addresses: [bare], latencyMs: 0 };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const addresses = await Promise.race([
      resolver(bare),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer from the resolver within ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs);
      }),
    ]);
    if (addresses.length === 0) return { ok: false, reason: 'no addresses', latencyMs: elapsed(started) };
    return { ok: true, addresses, latencyMs: elapsed(started) };
  } catch (error) {
    return { ok: false, reason: errorCode(error) ?? (error as Error).message, latencyMs: elapsed(started) };
  } finally {
    clearTimeout(timer);
  }
}

export type ConnectOutcome = { ok: true; latencyMs: number } | { ok: false; code: string; latencyMs: number };

/** Opens and closes a TCP connection: `ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`... on failure. */
export function connectTcp(address: string, port: number, timeoutMs: number): Promise<ConnectOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connectSocket({ host: address, port });
    const finish = (outcome: ConnectOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT', latencyMs: elapsed(started) }), timeoutMs);
    socket.once('connect', () => finish({ ok: true, latencyMs: elapsed(started) }));
    socket.once('error', (error) => finish({ ok: false, code: errorCode(error) ?? error.message, latencyMs: elapsed(started) }));
  });
}

export interface ExchangeOptions {
  /** Bytes sent once connected; nothing for servers that speak first. */
  send?: Buffer | string;
  timeoutMs: number;
  /** Stops reading as soon as the answer so far is enough. */
  enough?: (data: Buffer) => boolean;
  tls?: { servername?: string };
}

export interface ExchangeResult {
  connected: boolean;
  data: Buffer;
  /** How the exchange ended: `enough`, `closed`, `timeout`, or an error code. */
  end: string;
  /** For TLS: the handshake completed. */
  secure: boolean;
}

/** Sends bytes and reads what comes back, for at most `timeoutMs`. */
export function exchange(address: string, port: number, options: ExchangeOptions): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    let connected = false;
    let secure = false;
    const socket: Socket = options.tls
      ? connectTls({ host: address, port, servername: options.tls.servername && !isIP(options.tls.servername) ? options.tls.servername : undefined, rejectUnauthorized: false })
      : connectSocket({ host: address, port });
    const finish = (end: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, data, end, secure });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      secure = options.tls !== undefined;
      if (options.send !== undefined) socket.write(options.send);
      else if (secure && !options.enough) finish('enough'); // the handshake was the question
    });
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (options.enough?.(data)) finish('enough');
    });
    socket.once('end', () => finish('closed'));
    socket.once('close', () => finish('closed'));
    socket.once('error', (error) => finish(errorCode(error) ?? error.message));
  });
}

export function isLoopbackAddress(host: string): boolean {
  const bare = stripBrackets(host).toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127\./.test(bare);
}

export function stripBrackets(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** `host:port` as it is written in a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  const bare = stripBrackets(host);
  return `${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`;
}

/** Node puts the socket error code on the error or on a nested cause. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') return record.code;
    current = record.cause ?? (Array.isArray(record.errors) ? record.errors[0] : undefined);
  }
  return undefined;
}

export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
