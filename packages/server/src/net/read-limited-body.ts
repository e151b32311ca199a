import { displayUrl } from './outbound-request-blocked-error.js';

/**
 * An answer larger than the caller is willing to hold (a document URL that serves a
 * multi-gigabyte file, a server that never stops). Shaped like AppError for the boundary.
 */
export class OutboundResponseTooLargeError extends Error {
  readonly code = 'OUTBOUND_RESPONSE_TOO_LARGE';
  /** The upstream answered with something unusable: a gateway problem, not the client's. */
  readonly status = 502;
  readonly retryable = false;
  readonly hint: string;
  readonly maxBytes: number;

  constructor(url: string, maxBytes: number) {
    super(`The answer of ${url} is larger than the limit of ${maxBytes} bytes.`);
    this.name = 'OutboundResponseTooLargeError';
    this.maxBytes = maxBytes;
    this.hint = 'Use a smaller document, or raise the size limit of the feature that fetched it.';
  }
}

/**
 * Reads a whole body, but no more than `maxBytes`: a declared Content-Length over the limit
 * is refused before reading, an undeclared one as soon as the count passes it. Either way the
 * connection is cancelled, not drained. For time limits pass `signal: AbortSignal.timeout(ms)`
 * to the fetch: it covers the body as well as the headers.
 */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const url = response.url ? displayUrl(new URL(response.url)) : 'the server';
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new OutboundResponseTooLargeError(url, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new OutboundResponseTooLargeError(url, maxBytes);
    }
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
