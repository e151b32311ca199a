/**
 * The dev and preview servers proxy the API to BACKEND_URL. When one is given, it must be a
 * SutazAI server: a wrong address is found out at start-up with a clear message, not later
 * as confusing errors in the browser.
 */
import { HealthResponse } from '@sutazai/contracts';
import { Value } from '@sinclair/typebox/value';

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:10200';

/** The proxy target: BACKEND_URL without a trailing slash, or the default API address. */
export function backendUrl(env: Record<string, string | undefined>): { url: string; given: boolean } {
  const given = env.BACKEND_URL?.trim();
  return given ? { url: given.replace(/\/+$/, ''), given: true } : { url: DEFAULT_BACKEND_URL, given: false };
}

/** Resolves when `url` answers GET /health as SutazAI; otherwise rejects with what to fix. */
export async function checkBackend(url: string, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`BACKEND_URL="${url}" is not a URL. Write it like http://127.0.0.1:10200.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`BACKEND_URL="${url}" must start with http:// or https://.`);
  }
  const healthUrl = `${url}/health`;
  let response: Response;
  try {
    response = await doFetch(healthUrl, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000), headers: { accept: 'application/json' } });
  } catch (error) {
    throw new Error(`BACKEND_URL="${url}" does not answer: GET ${healthUrl} failed (${reason(error)}). Start the API (npm start) or correct BACKEND_URL.`);
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok || !Value.Check(HealthResponse, body)) {
    const seen = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    throw new Error(`BACKEND_URL="${url}" is not a SutazAI API: GET ${healthUrl} answered ${response.status} ${JSON.stringify(seen)}, not {"status":"healthy","app":"SutazAI Platform API"}. Point BACKEND_URL at the SutazAI server (default ${DEFAULT_BACKEND_URL}).`);
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return error.name === 'TimeoutError' ? 'no answer within 5 s' : `${error.message}${detail}`;
  }
  return String(error);
}
