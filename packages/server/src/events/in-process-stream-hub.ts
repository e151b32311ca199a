import type { ChatStreamEvent } from '@sutazai/contracts';
import { textOfEvents, type StoredStreamEvent, type StreamHub, type StreamListener, type StreamPublisher } from './stream-hub.js';

interface Stream {
  ownerId: string;
  events: StoredStreamEvent[];
  listeners: Set<StreamListener>;
  ended: boolean;
  onStop(): void;
  onAbandoned(): void;
  abandonTimer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
}

export interface InProcessStreamHubOptions {
  /** How long a stream with no subscriber keeps generating, waiting for a resume. */
  resumeWindowMs: number;
  /** How long an ended stream stays resumable from memory. */
  retainMs?: number;
}

/** One client's failure (a socket that broke mid-write) must not stop the generation or the other clients. */
function deliver(listener: StreamListener, stored: StoredStreamEvent): void {
  try {
    listener(stored);
  } catch {
    // the listener's own connection handling reports and cleans up
  }
}

export function createInProcessStreamHub(options: InProcessStreamHubOptions): StreamHub {
  const streams = new Map<string, Stream>();
  const retainMs = options.retainMs ?? 60_000;
  let active = 0;

  const scheduleAbandon = (stream: Stream) => {
    if (stream.ended || stream.listeners.size > 0 || stream.abandonTimer) return;
    stream.abandonTimer = setTimeout(() => {
      stream.abandonTimer = undefined;
      if (!stream.ended && stream.listeners.size === 0) stream.onAbandoned();
    }, options.resumeWindowMs);
    stream.abandonTimer.unref();
  };

  return {
    open(streamId, ownerId, handlers): StreamPublisher {
      const stream: Stream = { ownerId, events: [], listeners: new Set(), ended: false, ...handlers, abandonTimer: undefined, expiryTimer: undefined };
      streams.set(streamId, stream);
      active++;
      return {
        publish(event: ChatStreamEvent, offset: number) {
          if (stream.ended) return;
          const stored = { seq: stream.events.length, offset, event };
          stream.events.push(stored);
          for (const listener of stream.listeners) deliver(listener, stored);
        },
        end() {
          if (stream.ended) return;
          stream.ended = true;
          active--;
          clearTimeout(stream.abandonTimer);
          stream.expiryTimer = setTimeout(() => streams.delete(streamId), retainMs);
          stream.expiryTimer.unref();
        },
      };
    },

    async subscribe(streamId, ownerId, afterSeq, listener) {
      const stream = streams.get(streamId);
      if (!stream || stream.ownerId !== ownerId) return undefined;
      const from = afterSeq === undefined ? 0 : afterSeq + 1;
      for (let i = from; i < stream.events.length; i++) deliver(listener, stream.events[i]!);
      if (stream.ended) return { unsubscribe() {}, ended: true };
      stream.listeners.add(listener);
      clearTimeout(stream.abandonTimer);
      stream.abandonTimer = undefined;
      return {
        ended: false,
        unsubscribe() {
          if (stream.listeners.delete(listener)) scheduleAbandon(stream);
        },
      };
    },

    async stop(streamId, ownerId) {
      const stream = streams.get(streamId);
      if (!stream || stream.ownerId !== ownerId || stream.ended) return false;
      stream.onStop();
      return true;
    },

    async streamedText(streamId) {
      const stream = streams.get(streamId);
      return stream && textOfEvents(stream.events);
    },

    activeCount: () => active,

    close() {
      for (const stream of streams.values()) {
        clearTimeout(stream.abandonTimer);
        clearTimeout(stream.expiryTimer);
      }
      streams.clear();
    },
  };
}
