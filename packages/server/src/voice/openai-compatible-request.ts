/**
 * One request to an OpenAI-compatible audio server (transcriptions, speech), shared by the
 * two adapters: the deadline, the bearer key, and upstream failures in catalogue terms.
 */
import { AppError } from '../errors/catalogue.js';
import { OutboundRequestBlockedError } from '../net/outbound-guard.js';

export interface AudioServer {
  /** The API root with its version, e.g. http://127.0.0.1:8000/v1. */
  baseURL: string;
  apiKey?: string | undefined;
  /** The platform's guarded fetch for configured servers. */
  fetch: typeof fetch;
  timeoutMs: number;
}

export async function audioServerRequest(server: AudioServer, endpoint: string, init: { body: FormData | string; json?: boolean; signal?: AbortSignal | undefined; timeoutMs?: number }): Promise<Response> {
  const url = `${server.baseURL.replace(/\/+$/, '')}${endpoint}`;
  const timeoutMs = init.timeoutMs ?? server.timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
  const headers: Record<string, string> = {};
  if (server.apiKey) headers.authorization = `Bearer ${server.apiKey}`;
  if (init.json) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await server.fetch(url, { method: 'POST', headers, body: init.body, signal });
  } catch (error) {
    throw failure(error, url, timeoutMs, init.signal);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new AppError('VOICE_ENGINE_FAILED', `${url} answered ${response.status}: ${upstreamMessage(text)}`);
  }
  return response;
}

/** Reads a body within the same deadline semantics as the request. */
export async function readBody(response: Response, url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Buffer> {
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw failure(error, url, timeoutMs, signal);
  }
}

function failure(error: unknown, url: string, timeoutMs: number, callerSignal: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof OutboundRequestBlockedError) return new AppError('OUTBOUND_REQUEST_BLOCKED', error.message);
  if (callerSignal?.aborted) return new AppError('GENERATION_STOPPED', 'The request was cancelled.');
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
    return new AppError('VOICE_ENGINE_TIMEOUT', `${url} did not answer within ${timeoutMs} ms.`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new AppError('VOICE_ENGINE_UNAVAILABLE', `${url} could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}.`, {
    hint: 'Check that the audio server runs and that STT_BASE_URL / TTS_BASE_URL point at it (with the /v1 path).',
  });
}

function upstreamMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; detail?: unknown; message?: string };
    const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.message ?? (typeof parsed.detail === 'string' ? parsed.detail : undefined);
    if (message) return message.slice(0, 300);
  } catch {
    // Not JSON: the text itself.
  }
  return text.slice(0, 300) || '(no body)';
}
