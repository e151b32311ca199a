import type { ChatService, ResumePoint } from '../chat/chat-service.js';
import type { StoredStreamEvent } from '../events/stream-hub.js';
import { isFinal } from './sse.js';

export interface StreamSink {
  event(stored: StoredStreamEvent): void;
  /** After the final event. */
  end(): void;
}

export interface Attachment {
  /** The client went away: stop delivering (the generation decides what to do). */
  detach(): void;
}

/**
 * Connects one client to a reply's events and calls `end` after the final one, whether it
 * arrives during the replay or live. Undefined when there is no such reply for this owner.
 */
export async function attachToStream(chat: ChatService, ownerId: string, from: ResumePoint, sink: StreamSink): Promise<Attachment | undefined> {
  let finished = false;
  let subscription: { unsubscribe(): void } | undefined;
  const result = await chat.subscribe(ownerId, from, (stored) => {
    if (finished) return;
    sink.event(stored);
    if (isFinal(stored)) {
      finished = true;
      subscription?.unsubscribe();
      sink.end();
    }
  });
  if (!result) return undefined;
  subscription = result;
  if (finished) result.unsubscribe();
  else if (result.ended) {
    finished = true;
    sink.end();
  }
  return {
    detach() {
      if (finished) return;
      finished = true;
      result.unsubscribe();
    },
  };
}
