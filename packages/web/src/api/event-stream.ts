/**
 * A server-sent events response read as it arrives, with the contracts' parser: the one
 * reader behind chat replies, agent runs and ingestion progress.
 */
import { readServerSentEvents, type ServerSentEvent } from '@sutazai/contracts';
import { isAbort } from './api-client';
import { ApiError, NetworkError } from './api-error';

export const EVENT_STREAM_HEADERS = { accept: 'text/event-stream' } as const;

export async function* readEventStream(pending: Promise<Response>): AsyncGenerator<ServerSentEvent> {
  const response = await pending;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    throw new ApiError({ status: response.status, code: 'UNEXPECTED_RESPONSE', message: `Expected a stream of events, got ${response.status} ${type || 'without a content type'}.`, hint: 'Check that this page talks to a SutazAI API (GET /health).' });
  }
  yield* readServerSentEvents(chunks(response.body, response.url));
}

/** A response body as an async iterable in every browser (Safari's streams are not iterable). */
async function* chunks(body: ReadableStream<Uint8Array>, url: string): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        // The connection broke mid-stream (browsers say TypeError): a network failure, worth resuming.
        throw isAbort(error) ? error : new NetworkError(url || 'the event stream', error);
      }
      const { done, value } = read;
      if (done) return;
      yield value;
    }
  } finally {
    // Ends the request when the reader stops early (a stop, a switch of conversation).
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
