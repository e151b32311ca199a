import type { ErrorResponse } from './types';

/** An answer of the API that was not a success, in the API's own terms (code, message, hint). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: { status: number; code: string; message: string; hint?: string | undefined; retryable?: boolean; requestId?: string | undefined; retryAfterSeconds?: number | undefined }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.hint = init.hint;
    this.retryable = init.retryable ?? init.status >= 500;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The request never got an HTTP answer: the server is down, unreachable or the network failed. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly code = 'NETWORK_ERROR';
  readonly url: string;
  readonly hint = 'Check that the SutazAI server is running and reachable from this browser.';

  constructor(url: string, cause: unknown) {
    super(`Could not reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.url = url;
  }
}

/** What any failure shows a person: a message and, when there is one, what to do about it. */
export interface ShownError {
  code: string;
  message: string;
  hint?: string | undefined;
  requestId?: string | undefined;
}

export function toShownError(error: unknown): ShownError {
  if (error instanceof ApiError) return { code: error.code, message: error.message, hint: error.hint, requestId: error.requestId };
  if (error instanceof NetworkError) return { code: error.code, message: error.message, hint: error.hint };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: 'UNKNOWN', message: String(error) };
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null
    && typeof (error as { code?: unknown }).code === 'string'
    && typeof (error as { message?: unknown }).message === 'string';
}

/** Reads a failed response into an ApiError, whether or not the body is the API's error shape. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (isErrorResponse(body)) {
    const { code, message, hint, retryable, request_id: requestId } = body.error;
    return new ApiError({ status: response.status, code, message, hint: hint ?? undefined, retryable, requestId, retryAfterSeconds });
  }
  // Not SutazAI's shape: a proxy, a gateway or another server answered.
  const snippet = text.trim().slice(0, 200);
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    message: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${snippet ? `: ${snippet}` : ' with no explanation'}.`,
    hint: response.status >= 500 ? 'Something between this page and the SutazAI API failed; check that the API runs (GET /health).' : undefined,
    requestId: response.headers.get('x-request-id') ?? undefined,
    retryAfterSeconds,
  });
}
