import { Readable } from 'node:stream';
import { takeNodeBody } from '../../net/outbound-guard.js';
import { ProviderError, type ProviderTimeouts } from '../provider.js';
import { nodeChunkSource, webChunkSource } from './chunk-source.js';
import { startExchange, type Exchange } from './exchange.js';
import { excerpt, httpError, parseJson, protocolError, unreachableError } from './upstream-errors.js';

export interface UpstreamClientOptions {
  providerId: string;
  timeouts: ProviderTimeouts;
  /** Injected so an SSRF guard can wrap it; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. authorization. */
  headers?: Record<string, string>;
}

/**
 * How long to wait for response headers and what missing them means.
 * - 'connect': `connectMs`; no headers means the server is unreachable.
 * - 'first-token': the first-token budget, reported as a timeout. For servers that hold the
 *   headers until the model is loaded and has produced output (Ollama always does), so a
 *   cold model is not mistaken for a dead server.
 */
export type HeadersDeadline = 'connect' | 'first-token';

export interface UpstreamRequest {
  /** JSON-encoded and sent with POST when present; GET otherwise. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  headersDeadline?: HeadersDeadline;
  /** Replaces the headers budget, e.g. the short probe timeout. */
  timeoutMs?: number;
}

export interface UpstreamStreamRequest extends UpstreamRequest {
  /** Accepted Content-Type values; anything else (an HTML error page...) is a protocol error. */
  contentTypes: string[];
  /** First-token and between-token timeouts; off for long silent work such as model pulls. */
  tokenTimeouts: boolean;
}

export interface UpstreamStream {
  /**
   * The answer's bytes, iterated once. Reads fail with a ProviderError: timeout, aborted, or
   * protocol when the connection is cut. Leaving the iteration early releases the request.
   */
  body: AsyncIterable<Uint8Array>;
  /** Call when a chunk carried model output; restarts the between-tokens clock. */
  markToken(): void;
  /**
   * The protocol says the answer is over (OpenAI's `[DONE]`, Ollama's `done`): what is left of
   * the body is read and dropped so the connection can carry the next request; a server that
   * does not end it within a moment is cut. `release()` after it does not abort.
   */
  finish(): void;
  /** Aborts the request and frees the connection; idempotent. */
  release(): void;
}

export interface UpstreamClient {
  /** A request whose whole answer is one JSON document. */
  json(url: string, request?: UpstreamRequest): Promise<unknown>;
  /** A streamed answer; the caller must `release()` it (cancelling `body` does too). */
  stream(url: string, request: UpstreamStreamRequest): Promise<UpstreamStream>;
}

const ERROR_BODY_WAIT_MS = 1_000;
/** How long the end of a body may lag behind the protocol's last event before the connection is cut. */
const FINISH_GRACE_MS = 1_000;
const ERROR_BODY_KEEP_CHARS = 4_096;

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const { providerId, timeouts } = options;

  function headersBudget(request: UpstreamRequest): number {
    if (request.timeoutMs !== undefined) return request.timeoutMs;
    return request.headersDeadline === 'first-token' ? Math.max(timeouts.connectMs, timeouts.firstTokenMs) : timeouts.connectMs;
  }

  async function send(url: string, request: UpstreamRequest, exchange: Exchange, accept: string): Promise<Response> {
    const budget = headersBudget(request);
    const init: RequestInit = {
      method: request.body === undefined ? 'GET' : 'POST',
      headers: { accept, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      signal: exchange.signal,
    };
    if (request.body !== undefined) init.body = JSON.stringify(request.body);
    const response = await exchange.guard(fetchImplementation(url, init), {
      deadline: () => exchange.startedAt + budget,
      onDeadline: () =>
        request.headersDeadline === 'first-token' && request.timeoutMs === undefined
          ? new ProviderError(providerId, 'timeout', `${url} did not answer within ${budget} ms`)
          : new ProviderError(providerId, 'unreachable', `no response from ${url} within ${budget} ms`),
      onError: (error) => unreachableError(providerId, url, error),
    });
    if (!response.ok) throw httpError(providerId, url, response.status, await readSome(response));
    return response;
  }

  async function json(url: string, request: UpstreamRequest = {}): Promise<unknown> {
    const exchange = startExchange(providerId, request.signal);
    try {
      const response = await send(url, request, exchange, 'application/json');
      const budget = headersBudget(request);
      const text = await exchange.guard(response.text(), {
        deadline: () => exchange.startedAt + budget,
        onDeadline: () => new ProviderError(providerId, 'timeout', `the answer of ${url} did not complete within ${budget} ms`),
        onError: (error) => cutError(url, error),
      });
      exchange.complete();
      return parseJson(providerId, text, `the answer of ${url}`);
    } finally {
      exchange.release();
    }
  }

  async function stream(url: string, request: UpstreamStreamRequest): Promise<UpstreamStream> {
    const exchange = startExchange(providerId, request.signal);
    try {
      const response = await send(url, request, exchange, request.contentTypes.join(', '));
      const contentType = response.headers.get('content-type');
      if (contentType !== null && !request.contentTypes.some((accepted) => contentType.includes(accepted))) {
        const sample = await readSome(response);
        throw protocolError(providerId, `${url} answered ${contentType}, expected ${request.contentTypes.join(' or ')}: ${excerpt(sample)}`);
      }
      // The guard's answers hand over their node:http stream: every token would otherwise cross two web streams.
      const body = takeNodeBody(response) ?? response.body;
      if (body === null) throw protocolError(providerId, `${url} answered without a body`);
      return timedStream(url, body, request.tokenTimeouts, exchange);
    } catch (error) {
      exchange.release();
      throw error;
    }
  }

  function timedStream(url: string, body: Readable | ReadableStream<Uint8Array>, tokenTimeouts: boolean, exchange: Exchange): UpstreamStream {
    const source = body instanceof Readable ? nodeChunkSource(body) : webChunkSource(body);
    let lastTokenAt: number | undefined;
    let ended = false;
    let finishing = false;
    if (tokenTimeouts) {
      exchange.watch({
        deadline: () => (lastTokenAt === undefined ? exchange.startedAt + timeouts.firstTokenMs : lastTokenAt + timeouts.betweenTokensMs),
        onDeadline: () =>
          lastTokenAt === undefined
            ? new ProviderError(providerId, 'timeout', `no first token from ${url} within ${timeouts.firstTokenMs} ms`)
            : new ProviderError(providerId, 'timeout', `no token from ${url} for ${timeouts.betweenTokensMs} ms`),
      });
    }
    // A failure (timeout, caller abort) ends a pending read at once, even with an injected
    // fetch whose body ignores the abort signal.
    exchange.onFailure((error) => source.cancel(error));

    function cut(): void {
      exchange.release();
      if (!ended) source.cancel();
    }
    function release(): void {
      if (!finishing) cut();
    }
    function read(): Promise<IteratorResult<Uint8Array, undefined>> {
      return source.read().then(
        (result) => {
          const failure = exchange.failure;
          if (failure) {
            cut();
            throw failure;
          }
          if (result.done) {
            ended = true;
            exchange.complete();
            exchange.release();
          }
          return result;
        },
        (error: unknown) => {
          cut();
          throw exchange.failure ?? cutError(url, error);
        },
      );
    }
    function finish(): void {
      if (ended || finishing) return;
      finishing = true;
      const timer = setTimeout(cut, FINISH_GRACE_MS).unref();
      const drain = (): void => {
        read().then((result) => (result.done ? clearTimeout(timer) : drain()), () => clearTimeout(timer));
      };
      drain();
    }

    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: read,
      return() {
        release();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return {
      body: iterator,
      markToken: () => {
        const first = lastTokenAt === undefined;
        lastTokenAt = Date.now();
        // The first-token deadline gives way to a usually shorter between-tokens one.
        if (first && tokenTimeouts) exchange.rewatch();
      },
      finish,
      release,
    };
  }

  function cutError(url: string, error: unknown): ProviderError {
    return new ProviderError(providerId, 'protocol', `the connection to ${url} was cut mid-answer`, { cause: error });
  }

  return { json, stream };
}

/** Reads the start of an error body for the message, without waiting on a server that stalls. */
async function readSome(response: Response): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(''), ERROR_BODY_WAIT_MS);
  });
  try {
    const text = await Promise.race([response.text().catch(() => ''), giveUp]);
    return text.slice(0, ERROR_BODY_KEEP_CHARS);
  } finally {
    clearTimeout(timer);
  }
}
