/**
 * A reply as it streams: POST /api/v1/chat/stream (or GET .../stream/{id} to resume), read
 * with the contracts' server-sent events reader, as typed chat events with their ids.
 */
import { readServerSentEvents } from '@sutazai/contracts';
import { ApiError } from './api-error';
import type { ApiClient } from './api-client';
import type { ChatRequest, ChatStreamEvent } from './types';

export interface ReceivedEvent {
  /** `<message id>:<seq>:<offset>`: sent back as Last-Event-ID to resume after this event. */
  id: string | undefined;
  event: ChatStreamEvent;
}

const EVENT_TYPES = new Set<ChatStreamEvent['type']>(['message-start', 'text-delta', 'tool-call', 'tool-result', 'limit-reached', 'message-end', 'error']);

export function streamChat(client: ApiClient, body: ChatRequest, signal?: AbortSignal): AsyncGenerator<ReceivedEvent> {
  return readStream(client.request('POST', '/api/v1/chat/stream', { body, signal, headers: { accept: 'text/event-stream' } }));
}

/** The events after `lastEventId` (all of them without it) of a reply that may still be generating. */
export function resumeChat(client: ApiClient, messageId: string, lastEventId: string | undefined, signal?: AbortSignal): AsyncGenerator<ReceivedEvent> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  return readStream(client.request('GET', `/api/v1/chat/stream/${encodeURIComponent(messageId)}`, { signal, headers }));
}

async function* readStream(pending: Promise<Response>): AsyncGenerator<ReceivedEvent> {
  const response = await pending;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    throw new ApiError({ status: response.status, code: 'UNEXPECTED_RESPONSE', message: `Expected a stream of events, got ${response.status} ${type || 'without a content type'}.`, hint: 'Check that this page talks to a SutazAI API (GET /health).' });
  }
  for await (const received of readServerSentEvents(chunks(response.body))) {
    if (!EVENT_TYPES.has(received.event as ChatStreamEvent['type'])) continue; // newer event kinds are skipped
    yield { id: received.id, event: { ...received.data, type: received.event } as ChatStreamEvent };
  }
}

/** A response body as an async iterable in every browser (Safari's streams are not iterable). */
async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Ends the request when the reader stops early (a stop, a switch of conversation).
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
