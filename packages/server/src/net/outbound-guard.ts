import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { createGuardedAgents, type GuardedAgents } from './guarded-agents.js';
import { checkUrl, compilePolicy, type CompiledPolicy, type OutboundPolicy } from './outbound-policy.js';
import { OutboundRequestBlockedError, displayUrl } from './outbound-request-blocked-error.js';

export { classifyAddress, type AddressClass } from './address-classification.js';
export { parseHostToAddress, formatAddress, type IPAddress } from './ip-address.js';
export { compilePolicy, checkUrl, type OutboundPolicy } from './outbound-policy.js';
export { OutboundRequestBlockedError, OUTBOUND_SETTINGS, type OutboundBlockReason } from './outbound-request-blocked-error.js';

/** A fetch that only reaches what the policy allows, plus the sockets it keeps alive. */
export type GuardedFetch = typeof fetch & {
  /** Closes kept-alive connections, e.g. at shutdown. */
  close(): void;
};

/** One request as it is sent; a redirect makes the next one. */
interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: Uint8Array | null;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** What the fetch standard drops when a redirect leaves the origin. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The one way server code reaches URLs it did not choose itself (model providers added at
 * run time, document URLs, agent tools). Same contract as the global fetch, except:
 * - a URL, a redirect target, or a resolved address the policy refuses rejects with
 *   `OutboundRequestBlockedError` before anything is sent;
 * - the connection goes to the address that was checked (see `createGuardedAgents`);
 * - redirects are followed here, at most `policy.maxRedirects`, each hop checked again;
 * - request bodies are buffered (so 307/308 can resend them); response bodies stream.
 * Other network failures reject with `TypeError('fetch failed', { cause })`, as fetch does.
 */
export function createGuardedFetch(policy: OutboundPolicy = {}): GuardedFetch {
  const compiled = compilePolicy(policy);
  const agents = createGuardedAgents(compiled);

  async function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const inputUrl = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : String(input));
    throwIfRefused(inputUrl, compiled);
    const url = withoutCredentials(inputUrl);
    const request = new Request(input instanceof Request ? input : url.href, init);
    const { signal } = request;
    let hop: Hop = {
      url,
      method: request.method,
      headers: withCredentials(new Headers(request.headers), inputUrl),
      body: request.body ? new Uint8Array(await request.arrayBuffer()) : null,
    };
    for (let redirects = 0; ; redirects++) {
      if (signal.aborted) throw abortReason(signal);
      const incoming = await send(hop, signal, agents);
      const status = incoming.statusCode ?? 0;
      const location = incoming.headers.location;
      if (!REDIRECT_STATUSES.has(status) || location === undefined || request.redirect === 'manual') {
        return toResponse(incoming, hop, redirects > 0);
      }
      // Drained rather than destroyed, so the kept-alive socket can carry the next hop.
      incoming.resume();
      if (request.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error(`unexpected redirect to ${location}`) });
      if (redirects >= compiled.maxRedirects) {
        throw new OutboundRequestBlockedError({
          reason: 'redirect-limit',
          target: displayUrl(hop.url),
          host: hop.url.hostname,
          detail: `it redirected more than ${compiled.maxRedirects} times`,
          hint: 'Use the URL the redirects end at, or check the server for a redirect loop.',
        });
      }
      const next = new URL(location, hop.url);
      throwIfRefused(next, compiled);
      hop = redirected(hop, next, status);
    }
  }

  return Object.assign(guardedFetch, { close: () => agents.destroy() });
}

function throwIfRefused(url: URL, policy: CompiledPolicy): void {
  const refusal = checkUrl(url, policy);
  if (refusal) throw refusal;
}

function withoutCredentials(url: URL): URL {
  const stripped = new URL(url.href);
  stripped.username = '';
  stripped.password = '';
  return stripped;
}

/** Credentials in an allowed URL become Basic authorization, as curl does, unless one is set. */
function withCredentials(headers: Headers, url: URL): Headers {
  if ((url.username || url.password) && !headers.has('authorization')) {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.set('authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
  }
  return headers;
}

/** The next hop as the fetch standard builds it: 303 (and 301/302 after POST) become GET. */
function redirected(hop: Hop, next: URL, status: number): Hop {
  const headers = new Headers(hop.headers);
  const toGet = status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
  if (toGet) for (const name of BODY_HEADERS) headers.delete(name);
  if (next.origin !== hop.url.origin) for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
  return {
    url: withoutCredentials(next),
    method: toGet ? 'GET' : hop.method,
    headers: withCredentials(headers, next),
    body: toGet ? null : hop.body,
  };
}

function send(hop: Hop, signal: AbortSignal, agents: GuardedAgents): Promise<IncomingMessage> {
  const secure = hop.url.protocol === 'https:';
  const headers: OutgoingHttpHeaders = { host: hop.url.host, accept: '*/*' };
  hop.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (hop.body) headers['content-length'] = hop.body.byteLength;
  else if (['POST', 'PUT', 'PATCH'].includes(hop.method)) headers['content-length'] = 0;
  const hostname = hop.url.hostname.startsWith('[') ? hop.url.hostname.slice(1, -1) : hop.url.hostname;
  return new Promise((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)({
      hostname,
      port: hop.url.port || (secure ? 443 : 80),
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method,
      headers,
      agent: secure ? agents.https : agents.http,
      signal,
    });
    outgoing.once('response', resolve);
    // `on`, not `once`: a socket error after the answer (an abort mid-body) must not go unhandled.
    outgoing.on('error', (error) => {
      if (error instanceof OutboundRequestBlockedError) reject(error.withTarget(displayUrl(hop.url)));
      else if (signal.aborted) reject(abortReason(signal));
      else reject(new TypeError('fetch failed', { cause: error }));
    });
    outgoing.end(hop.body ?? undefined);
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function toResponse(incoming: IncomingMessage, hop: Hop, wasRedirected: boolean): Response {
  const status = incoming.statusCode ?? 0;
  const headers = new Headers();
  for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
    headers.append(incoming.rawHeaders[index] ?? '', incoming.rawHeaders[index + 1] ?? '');
  }
  let body: ReadableStream<Uint8Array> | null = null;
  if (hop.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) incoming.resume();
  else body = Readable.toWeb(decoded(incoming, headers.get('content-encoding'))) as NodeReadableStream<Uint8Array> as ReadableStream<Uint8Array>;
  let response: Response;
  try {
    response = new Response(body, { status, statusText: incoming.statusMessage ?? '', headers });
  } catch (error) {
    incoming.destroy();
    throw new TypeError('fetch failed', { cause: error });
  }
  // A constructed Response has an empty url and redirected=false; fetch callers read both.
  Object.defineProperty(response, 'url', { value: hop.url.href });
  Object.defineProperty(response, 'redirected', { value: wasRedirected });
  return response;
}

/** Fetch decodes the content codings it knows; anything else passes through untouched. */
function decoded(incoming: IncomingMessage, encoding: string | null): Readable {
  const coding = encoding?.trim().toLowerCase();
  // Flushing every chunk keeps a compressed event stream as live as an uncompressed one.
  const flushing = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? createGunzip(flushing)
      : coding === 'deflate'
        ? createInflate(flushing)
        : coding === 'br'
          ? createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH })
          : undefined;
  if (!decoder) return incoming;
  pipeline(incoming, decoder, () => undefined);
  return decoder;
}
