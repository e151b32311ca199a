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
    const request = plainRequest(input, init) ?? (await builtRequest(input instanceof Request ? input : url.href, init));
    const { signal } = request;
    let hop: Hop = {
      url,
      method: request.method,
      headers: withCredentials(request.headers, inputUrl),
      body: request.body,
    };
    for (let redirects = 0; ; redirects++) {
      if (signal?.aborted) throw abortReason(signal);
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

/** What the guard takes from a request: its body buffered, its headers a copy it may change. */
interface RequestParts {
  method: string;
  headers: Headers;
  body: Uint8Array | null;
  signal: AbortSignal | undefined;
  redirect: 'follow' | 'manual' | 'error';
}

const PLAIN_INIT_KEYS = new Set(['method', 'headers', 'body', 'signal', 'redirect']);
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** The methods fetch upper-cases; any other keeps its case. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/**
 * The usual call (a URL, a string body or none, headers, a signal) without building a
 * Request: undici's Request and its body stream cost more than the rest of the request.
 * Undefined for anything else, which `builtRequest` handles, errors included.
 */
function plainRequest(input: string | URL | Request, init: RequestInit | undefined): RequestParts | undefined {
  if (input instanceof Request) return undefined;
  if (init) {
    // Only an object literal: a class instance (a Request as init) may carry its fields as getters.
    const prototype: unknown = Object.getPrototypeOf(init);
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    for (const key in init) if (!PLAIN_INIT_KEYS.has(key)) return undefined;
  }
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const given = init?.method ?? 'GET';
  const upper = given.toUpperCase();
  if (!METHOD_TOKEN.test(given) || FORBIDDEN_METHODS.has(upper)) return undefined;
  const method = NORMALIZED_METHODS.has(upper) ? upper : given;
  if (typeof body === 'string' && (method === 'GET' || method === 'HEAD')) return undefined;
  const redirect = init?.redirect ?? 'follow';
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') return undefined;
  const headers = new Headers(init?.headers);
  if (typeof body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  return { method, headers, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : null, signal: init?.signal ?? undefined, redirect };
}

async function builtRequest(input: string | Request, init: RequestInit | undefined): Promise<RequestParts> {
  const request = new Request(input, init);
  return {
    method: request.method,
    headers: new Headers(request.headers),
    body: request.body ? new Uint8Array(await request.arrayBuffer()) : null,
    signal: request.signal,
    redirect: request.redirect,
  };
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

function send(hop: Hop, signal: AbortSignal | undefined, agents: GuardedAgents): Promise<IncomingMessage> {
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
      else if (signal?.aborted) reject(abortReason(signal));
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
  let source: Readable | undefined;
  if (hop.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) incoming.resume();
  else source = decoded(incoming, headerValue(incoming, 'content-encoding'));
  let response: Response;
  try {
    // No headers and no body yet: both are made when first read (see `withLazyParts`).
    response = new Response(null, { status, statusText: incoming.statusMessage ?? '' });
  } catch (error) {
    incoming.destroy();
    throw new TypeError('fetch failed', { cause: error });
  }
  // A constructed Response has an empty url and redirected=false; fetch callers read both.
  Object.defineProperty(response, 'url', { value: hop.url.href });
  Object.defineProperty(response, 'redirected', { value: wasRedirected });
  return withLazyParts(response, incoming, source);
}

function headerValue(incoming: IncomingMessage, name: string): string | null {
  const value = incoming.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/** The node:http streams behind responses of the guard whose body nobody has read. */
const nodeBodies = new WeakMap<Response, Readable>();

/**
 * A streamed model answer reads its body from the node:http stream (`takeNodeBody`), and
 * undici's Headers, ReadableStream and the web-stream bridge cost more than relaying the first
 * token. So the Response is made bare, and its headers and web body are made on first use:
 * `headers` from the raw header lines; `body`, the body methods and `clone()` from a full
 * Response over the same stream, which then answers every body call.
 */
function withLazyParts(response: Response, incoming: IncomingMessage, source: Readable | undefined): Response {
  let headers: Headers | undefined;
  const headersOf = () => {
    if (headers) return headers;
    headers = new Headers();
    for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
      headers.append(incoming.rawHeaders[index] ?? '', incoming.rawHeaders[index + 1] ?? '');
    }
    return headers;
  };
  Object.defineProperty(response, 'headers', { get: headersOf });
  if (!source) return response;
  // Until someone reads the body, an error (a reset connection) must not go unhandled; a
  // reader still sees it, because the stream stays errored.
  source.on('error', () => undefined);
  nodeBodies.set(response, source);
  let full: Response | undefined;
  const bodied = () => {
    if (!full) {
      nodeBodies.delete(response);
      full = new Response(webStream(source), { status: response.status, statusText: response.statusText, headers: headersOf() });
    }
    return full;
  };
  const delegate = (name: string) => ({
    value: (...args: unknown[]) => {
      const target = bodied() as unknown as Record<string, (...a: unknown[]) => unknown>;
      return Reflect.apply(target[name]!, target, args);
    },
  });
  Object.defineProperties(response, {
    body: { get: () => bodied().body },
    bodyUsed: { get: () => full?.bodyUsed ?? false },
    arrayBuffer: delegate('arrayBuffer'),
    blob: delegate('blob'),
    bytes: delegate('bytes'),
    formData: delegate('formData'),
    json: delegate('json'),
    text: delegate('text'),
    clone: delegate('clone'),
  });
  return response;
}

/**
 * The node:http stream behind the body of a response of the guard, handed over once, for a
 * reader that wants its chunks without the web-stream layer (a streamed model answer: every
 * token passes through it). The web body must stay unread afterwards; destroying the stream
 * frees the connection. Undefined for any other response, or once the web body was made.
 */
export function takeNodeBody(response: Response): Readable | undefined {
  const source = nodeBodies.get(response);
  if (source) nodeBodies.delete(response);
  return source;
}

function webStream(source: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(source) as NodeReadableStream<Uint8Array> as ReadableStream<Uint8Array>;
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
