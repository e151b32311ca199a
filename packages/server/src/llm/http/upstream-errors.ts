import { ProviderError, type ProviderErrorKind } from '../provider.js';
import { isRecord } from './json-values.js';

const EXCERPT_LENGTH = 200;

/** Shortens upstream text for an error message: one line, at most EXCERPT_LENGTH characters. */
export function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > EXCERPT_LENGTH ? `${oneLine.slice(0, EXCERPT_LENGTH)}…` : oneLine;
}

export function parseJson(providerId: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProviderError(providerId, 'protocol', `${what} is not valid JSON: ${excerpt(text)}`, { cause: error });
  }
}

export function protocolError(providerId: string, message: string): ProviderError {
  return new ProviderError(providerId, 'protocol', message);
}

/** Anything fetch throws before response headers means we never got an answer. */
export function unreachableError(providerId: string, url: string, error: unknown): ProviderError {
  const code = errorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new ProviderError(providerId, 'unreachable', `cannot reach ${url} (${reason})`, { cause: error });
}

/**
 * An HTTP error answer. Servers put the useful sentence in different places (Ollama
 * `{error}`, OpenAI `{error: {message}}`, vLLM `{message}`), so dig it out before falling
 * back to the raw body.
 */
export function httpError(providerId: string, url: string, status: number, body: string): ProviderError {
  const detail = excerpt(messageFromBody(body) ?? body);
  const kind: ProviderErrorKind = status === 404 && isModelMissing(detail) ? 'model-not-found' : 'upstream';
  const suffix = detail ? `: ${detail}` : '';
  return new ProviderError(providerId, kind, `${url} answered HTTP ${status}${suffix}`, { status });
}

/** An error the upstream reported inside an otherwise successful stream. */
export function streamedError(providerId: string, message: string): ProviderError {
  const kind: ProviderErrorKind = isModelMissing(message) ? 'model-not-found' : 'upstream';
  return new ProviderError(providerId, kind, `the upstream reported an error mid-stream: ${excerpt(message)}`);
}

/** Wording shared by Ollama ("model \"x\" not found"), OpenAI and vLLM ("does not exist"). */
export function isModelMissing(message: string): boolean {
  return /model|manifest/i.test(message) && /not found|does not exist/i.test(message);
}

function messageFromBody(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const { error, message } = parsed;
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return typeof message === 'string' ? message : undefined;
}

/** Node puts the socket error code (ECONNREFUSED, ENOTFOUND...) on a nested cause. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && isRecord(current); depth++) {
    if (typeof current.code === 'string') return current.code;
    const nested: unknown = Array.isArray(current.errors) ? current.errors[0] : undefined;
    current = current.cause ?? nested;
  }
  return undefined;
}
