/** Server-sent events on a hijacked reply, with event ids a client can resume from. */
import type { FastifyReply } from 'fastify';
import type { StoredStreamEvent } from '../events/stream-hub.js';
import type { ResumePoint } from '../chat/chat-service.js';

/** The headers leave with the first write; `reply.raw.flushHeaders()` sends them when no event is ready. */
export function openSse(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(reply.request.id),
  });
}

/** `<message id>:<seq>:<offset>`: seq finds the event in memory, offset finds the text in storage. */
export function eventId(messageId: string, stored: StoredStreamEvent): string {
  return `${messageId}:${stored.seq}:${stored.offset}`;
}

export function parseEventId(value: string | undefined): ResumePoint | undefined {
  if (!value) return undefined;
  const match = /^([A-Za-z0-9_-]{1,64}):(\d{1,9}):(\d{1,12})$/.exec(value.trim());
  if (!match) return undefined;
  return { messageId: match[1]!, seq: Number(match[2]), offset: Number(match[3]) };
}

export function formatSse(id: string, stored: StoredStreamEvent): string {
  const { type, ...data } = stored.event;
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function isFinal(stored: StoredStreamEvent): boolean {
  return stored.event.type === 'message-end' || stored.event.type === 'error';
}
