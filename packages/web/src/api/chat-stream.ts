/**
 * A reply as it streams: POST /api/v1/chat/stream (or GET .../stream/{id} to resume, or an
 * agent run's GET /api/v1/runs/{id}/events), read as typed chat events with their ids.
 */
import type { ApiClient } from './api-client';
import { EVENT_STREAM_HEADERS, readEventStream } from './event-stream';
import type { ChatRequest, ChatStreamEvent } from './types';

export interface ReceivedEvent {
  /** `<message id>:<seq>:<offset>`: sent back as Last-Event-ID to resume after this event. */
  id: string | undefined;
  event: ChatStreamEvent;
}

const EVENT_TYPES = new Set<ChatStreamEvent['type']>(['message-start', 'text-delta', 'tool-call', 'tool-result', 'limit-reached', 'message-end', 'error']);

export function streamChat(client: ApiClient, body: ChatRequest, signal?: AbortSignal): AsyncGenerator<ReceivedEvent> {
  return readChatEvents(client.request('POST', '/api/v1/chat/stream', { body, signal, headers: { ...EVENT_STREAM_HEADERS } }));
}

/** The events after `lastEventId` (all of them without it) of a reply that may still be generating. */
export function resumeChat(client: ApiClient, messageId: string, lastEventId: string | undefined, signal?: AbortSignal): AsyncGenerator<ReceivedEvent> {
  return readChatEvents(client.request('GET', `/api/v1/chat/stream/${encodeURIComponent(messageId)}`, { signal, headers: resumeHeaders(lastEventId) }));
}

/** An agent run's reply, live or replayed; 409 RUN_NOT_STARTED while the run is queued. */
export function streamRun(client: ApiClient, runId: string, lastEventId: string | undefined, signal?: AbortSignal): AsyncGenerator<ReceivedEvent> {
  return readChatEvents(client.request('GET', `/api/v1/runs/${encodeURIComponent(runId)}/events`, { signal, headers: resumeHeaders(lastEventId) }));
}

function resumeHeaders(lastEventId: string | undefined): Record<string, string> {
  return lastEventId ? { ...EVENT_STREAM_HEADERS, 'last-event-id': lastEventId } : { ...EVENT_STREAM_HEADERS };
}

async function* readChatEvents(pending: Promise<Response>): AsyncGenerator<ReceivedEvent> {
  for await (const received of readEventStream(pending)) {
    if (!EVENT_TYPES.has(received.event as ChatStreamEvent['type'])) continue; // newer event kinds are skipped
    yield { id: received.id, event: { ...received.data, type: received.event } as ChatStreamEvent };
  }
}
