/**
 * The one way the UI talks to the API: same-origin fetch with the session cookie, the CSRF
 * header on every change, `res.ok` always checked and failures turned into ApiError or
 * NetworkError. Everything else (endpoints, streams) is built on `request`.
 */
import { ApiError, NetworkError, errorFromResponse } from './api-error';

export const CSRF_COOKIE = 'sutazai_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Method = 'GET' | WriteMethod;

export interface RequestOptions {
  /** Sent as JSON, or as multipart/form-data when it is a FormData. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /** Failure statuses whose response is returned rather than thrown (a 503 health report). */
  acceptStatuses?: readonly number[];
}

export interface ApiClient {
  /** The response of a successful request (2xx); anything else throws. */
  request(method: Method, path: string, options?: RequestOptions): Promise<Response>;
  get<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  /** A change; resolves to the JSON answer, or undefined for 204. */
  send<T>(method: WriteMethod, path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  url(path: string): string;
}

export interface ApiClientOptions {
  /** Where the API is; '' is the page's own origin (the default deployment). */
  baseUrl?: string;
  fetch?: typeof fetch;
  readCookie?: (name: string) => string | undefined;
  /** Told when a request got no answer at all, so the connection monitor can check at once. */
  onNetworkError?: (error: NetworkError) => void;
  /** Told when the session is gone (401 UNAUTHENTICATED). */
  onUnauthenticated?: (error: ApiError) => void;
}

export function readDocumentCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const readCookie = options.readCookie ?? readDocumentCookie;
  const url = (path: string) => `${baseUrl}${path}`;
  // Read at call time, so a test (or a polyfill) that replaces fetch later is honoured.
  const doFetch = (input: string, init: RequestInit) => (options.fetch ?? globalThis.fetch)(input, init);

  async function request(method: Method, path: string, requestOptions: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...requestOptions.headers };
    let body: string | FormData | undefined;
    if (requestOptions.body instanceof FormData) {
      // A multipart upload: the browser writes the content type with its boundary.
      body = requestOptions.body;
    } else if (requestOptions.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(requestOptions.body);
    }
    if (method !== 'GET') {
      const csrf = readCookie(CSRF_COOKIE);
      // Without the cookie (AUTH=disabled, or not signed in yet) there is nothing to send.
      if (csrf) headers[CSRF_HEADER] = csrf;
    }
    const target = url(path);
    let response: Response;
    try {
      response = await doFetch(target, { method, headers, body, credentials: 'same-origin', signal: requestOptions.signal ?? null });
    } catch (error) {
      if (isAbort(error)) throw error;
      const networkError = new NetworkError(absoluteUrl(target), error);
      options.onNetworkError?.(networkError);
      throw networkError;
    }
    if (!response.ok && !requestOptions.acceptStatuses?.includes(response.status)) {
      const error = await errorFromResponse(response);
      if (error.status === 401 && error.code === 'UNAUTHENTICATED') options.onUnauthenticated?.(error);
      throw error;
    }
    return response;
  }

  async function json<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ status: response.status, code: 'UNEXPECTED_RESPONSE', message: `The server answered ${response.status} with a body that is not JSON.`, hint: 'Check that this page talks to a SutazAI API (GET /health).' });
    }
  }

  return {
    request,
    url,
    get: async <T>(path: string, requestOptions?: Omit<RequestOptions, 'body'>) => json<T>(await request('GET', path, requestOptions)),
    send: async <T>(method: WriteMethod, path: string, body?: unknown, requestOptions?: Omit<RequestOptions, 'body'>) =>
      json<T>(await request(method, path, { ...requestOptions, body })),
  };
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'AbortError' : (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** `target` resolved against the page's address (the API's base may be a bare path). */
export function absoluteUrl(target: string): string {
  try {
    return new URL(target, typeof location === 'undefined' ? 'http://localhost' : location.href).href;
  } catch {
    return target;
  }
}
