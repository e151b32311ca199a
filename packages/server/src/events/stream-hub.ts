/**
 * The stream fan-out capability: a generation publishes its events once; any number of
 * clients subscribe, leave, and resume after the last event they saw. In-process by default;
 * on Redis (REDIS_URL) a client may subscribe to, resume or stop a stream on any replica.
 * Both adapters pass one conformance suite (`test-support/stream-hub-conformance.ts`).
 */
import type { ChatStreamEvent } from '@sutazai/contracts';

export interface StoredStreamEvent {
  /** Position in the stream, from 0. */
  seq: number;
  /** UTF-16 offset in the reply's text after this event; lets a resume start from stored text. */
  offset: number;
  event: ChatStreamEvent;
}

export interface StreamedText {
  from: number;
  text: string;
}

/** The text-deltas of stored events in order, and where in the reply they start. */
export function textOfEvents(events: Iterable<StoredStreamEvent>): StreamedText | undefined {
  let from: number | undefined;
  let text = '';
  for (const { event, offset } of events) {
    if (event.type !== 'text-delta') continue;
    from ??= offset - event.text.length;
    text += event.text;
  }
  return from === undefined ? undefined : { from, text };
}

export type StreamListener = (event: StoredStreamEvent) => void;

export interface StreamPublisher {
  publish(event: ChatStreamEvent, offset: number): void;
  /** No more events; the stream stays resumable for the retention time. */
  end(): void;
}

export interface StreamHub {
  /**
   * Opens a stream. `onAbandoned` runs when the last subscriber has been gone for the resume
   * window; `onStop` when a client asks to stop. Both are the generation's cue to abort.
   */
  open(streamId: string, ownerId: string, handlers: { onStop(): void; onAbandoned(): void }): StreamPublisher;
  /**
   * Replays the events after `afterSeq` (or all, when undefined), then delivers live ones.
   * Undefined when the stream is unknown or belongs to someone else. Replayed events may
   * reach the listener before the promise settles.
   */
  subscribe(streamId: string, ownerId: string, afterSeq: number | undefined, listener: StreamListener): Promise<{ unsubscribe(): void; ended: boolean } | undefined>;
  /**
   * Asks the generation to stop, wherever it runs; false when the stream is unknown, not the
   * owner's, or over.
   */
  stop(streamId: string, ownerId: string): Promise<boolean>;
  /**
   * The reply text the stream carried, as far as the hub still holds it: `text` starts at
   * UTF-16 offset `from` of the reply (older events may have been trimmed). Undefined when
   * the hub does not know the stream. Lets a replica store the last text of a reply whose
   * generator died between two progress saves.
   */
  streamedText(streamId: string): Promise<StreamedText | undefined>;
  /** Streams this process is generating right now. */
  activeCount(): number;
  close(): void;
}
