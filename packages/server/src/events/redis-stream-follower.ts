/**
 * Live events of streams generated on other replicas: one XREAD BLOCK loop per replica, on a
 * dedicated connection, over every stream some client here follows. A new stream (or a
 * client that needs older events than the loop's position) wakes the blocked read with
 * CLIENT UNBLOCK, so it is read at once, not after the block time.
 *
 * XREAD rather than pub/sub: the stream is the one ordered record, positions are explicit,
 * and a follower that was away (Redis restarted, a slow read) continues from its position
 * with nothing lost or repeated; pub/sub would drop what was sent while it was away.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { entryId, parseEntry, seqOf, type RawEntry } from './redis-stream-keys.js';
import type { StoredStreamEvent, StreamListener } from './stream-hub.js';

interface Subscriber {
  listener: StreamListener;
  /** Last event this subscriber got. */
  lastSeq: number;
}

interface Follow {
  generator: string;
  subscribers: Set<Subscriber>;
}

export interface StreamFollowerOptions {
  /** A connection for XREAD BLOCK only (it blocks). */
  reader: Redis;
  /** Any other connection, for CLIENT UNBLOCK. */
  command: Redis;
  eventsKey(streamId: string): string;
  streamIdOf(eventsKey: string): string;
  blockMs: number;
  logger: Logger;
  deliver(listener: StreamListener, stored: StoredStreamEvent): void;
  /** No client here follows the stream any more (or it ended). */
  onIdle(streamId: string): void;
}

export interface StreamFollower {
  /** Delivers the stream's events after `lastSeq` as they are written, until the end marker or `stop`. */
  follow(streamId: string, generator: string, lastSeq: number, listener: StreamListener): { stop(): void };
  followed(): Array<{ streamId: string; generator: string }>;
  close(): void;
}

export function createStreamFollower(options: StreamFollowerOptions): StreamFollower {
  const { reader, command, logger } = options;
  const follows = new Map<string, Follow>();
  let changes = 0;
  let readWith = -1;
  let blocked = false;
  let readerId: number | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  let lastWarning = 0;

  // A new connection has a new client id.
  reader.on('ready', () => (readerId = undefined));

  function changed(): void {
    changes++;
    wake?.();
    unblock(3);
  }

  /** Asks Redis to end the blocked read; again shortly if the read in flight was built before the change. */
  function unblock(attempts: number): void {
    if (!blocked || readWith === changes || readerId === undefined || attempts === 0) return;
    command.client('UNBLOCK', readerId).catch(() => undefined);
    setTimeout(() => unblock(attempts - 1), 25).unref();
  }

  function finish(streamId: string): void {
    if (follows.delete(streamId)) options.onIdle(streamId);
  }

  /**
   * A read returns the entries after `from` in order. Subscribers at `from` or later get those
   * after their own position; one that joined after the read was sent, further back, gets
   * nothing from it and its events come with the next read, which starts at its position.
   */
  function handle(result: Array<[string, RawEntry[]]>, from: Map<string, number>): void {
    for (const [key, entries] of result) {
      const streamId = options.streamIdOf(key);
      const follow = follows.get(streamId);
      const readFrom = from.get(streamId);
      if (!follow || readFrom === undefined) continue;
      for (const raw of entries) {
        const seq = seqOf(raw[0]);
        const entry = parseEntry(raw);
        const stored: StoredStreamEvent | undefined = entry?.kind === 'event' ? { seq, offset: entry.offset, event: entry.event } : undefined;
        for (const subscriber of follow.subscribers) {
          if (subscriber.lastSeq < readFrom || seq <= subscriber.lastSeq) continue;
          subscriber.lastSeq = seq;
          if (stored) options.deliver(subscriber.listener, stored);
          else if (entry?.kind === 'end') follow.subscribers.delete(subscriber);
        }
      }
      if (follow.subscribers.size === 0) finish(streamId);
    }
  }

  async function loop(): Promise<void> {
    while (!closed) {
      if (follows.size === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      try {
        readerId ??= Number(await reader.client('ID'));
        // Each stream is read from its furthest-behind subscriber.
        const from = new Map([...follows].map(([id, follow]) => [id, Math.min(...[...follow.subscribers].map((s) => s.lastSeq))]));
        readWith = changes;
        blocked = true;
        // `xread`, not `call`: it turns RESP3's map of streams into [key, entries] pairs.
        const xread = reader.xread.bind(reader) as unknown as (...args: string[]) => Promise<Array<[string, RawEntry[]]> | null>;
        const result = await xread('COUNT', '1000', 'BLOCK', String(options.blockMs), 'STREAMS',
          ...[...from.keys()].map((id) => options.eventsKey(id)), ...[...from.values()].map((seq) => entryId(seq)));
        blocked = false;
        if (result) handle(result, from);
      } catch (error) {
        blocked = false;
        if (closed) return;
        if (Date.now() - lastWarning > 30_000) {
          lastWarning = Date.now();
          logger.warn({ err: error }, 'reading streams of other replicas from Redis failed; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
  void loop();

  return {
    follow(streamId, generator, lastSeq, listener) {
      const subscriber: Subscriber = { listener, lastSeq };
      let follow = follows.get(streamId);
      if (!follow) {
        follow = { generator, subscribers: new Set() };
        follows.set(streamId, follow);
      }
      follow.subscribers.add(subscriber);
      changed();
      const current = follow;
      return {
        stop() {
          if (!current.subscribers.delete(subscriber) || current.subscribers.size > 0) return;
          if (follows.get(streamId) === current) finish(streamId);
        },
      };
    },
    followed: () => [...follows].map(([streamId, follow]) => ({ streamId, generator: follow.generator })),
    close() {
      closed = true;
      wake?.();
      follows.clear();
    },
  };
}
