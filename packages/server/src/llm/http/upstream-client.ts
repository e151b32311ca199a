import { ProviderError, type ProviderTimeouts } from '../provider.js';
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
  /** Reads fail with a ProviderError: timeout, aborted, or protocol when the connection is cut. */
  body: ReadableStream<Uint8Array>;
  /** Call when a chunk carried model output; restarts the between-tokens clock. */
  markToken(): void;
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
      if (response.body === null) throw protocolError(providerId, `${url} answered without a body`);
      return timedStream(url, response.body, request.tokenTimeouts, exchange);
    } catch (error) {
      exchange.release();
      throw error;
    }
  }

  function timedStream(url: string, source: ReadableStream<Uint8Array>, tokenTimeouts: boolean, exchange: Exchange): UpstreamStream {
    const reader = source.getReader();
    let lastTokenAt: number | undefined;
    const rules = {
      deadline: () => {
        if (!tokenTimeouts) return undefined;
        return lastTokenAt === undefined ? exchange.startedAt + timeouts.firstTokenMs : lastTokenAt + timeouts.betweenTokensMs;
      },
      onDeadline: () =>
        lastTokenAt === undefined
          ? new ProviderError(providerId, 'timeout', `no first token from ${url} within ${timeouts.firstTokenMs} ms`)
          : new ProviderError(providerId, 'timeout', `no token from ${url} for ${timeouts.betweenTokensMs} ms`),
      onError: (error: unknown) => cutError(url, error),
    };
    // highWaterMark 0: read upstream only when the consumer asks, so stopping early leaves nothing buffered.
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const result = await exchange.guard(reader.read(), rules);
            if (result.done) {
              controller.close();
              exchange.release();
            } else {
              controller.enqueue(result.value);
            }
          } catch (error) {
            exchange.release();
            throw error;
          }
        },
        cancel() {
          release();
        },
      },
      { highWaterMark: 0 },
    );
    // Aborting is enough for the global fetch; cancelling the reader also frees an injected
    // fetch whose body ignores the signal.
    function release(): void {
      exchange.release();
      reader.cancel().catch(() => undefined);
    }
    return {
      body,
      markToken: () => {
        lastTokenAt = Date.now();
      },
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
