/**
 * The stream hub for several replicas, on Redis (REDIS_URL).
 *
 * - The replica generating a stream keeps its events in memory, as the in-process hub does,
 *   and serves its own clients from there; it also appends them to a Redis Stream
 *   (`redis-stream-writer.ts`). Clients on other replicas replay it with XRANGE and follow
 *   it with XREAD BLOCK (`redis-stream-follower.ts`). Keys are in `redis-stream-keys.ts`.
 * - A stream is known to other replicas once its first write lands (a round trip); a resume
 *   that carries a position waits up to `resumeWaitMs` for it, so a client that left the
 *   generating replica right after its first event is not turned away.
 * - Stop on any replica reads the stream's owner and generator from Redis and publishes on
 *   that generator's pub/sub channel; the generator calls `onStop`.
 * - Abandonment counts clients everywhere: a replica following a stream keeps its presence
 *   in the stream's watcher set fresh; the generator abandons a stream once it has had no
 *   client of its own and no present watcher for the resume window.
 * - Each replica heart-beats a key. A stream whose generator stopped heart-beating (killed)
 *   is ended in Redis by whoever notices, with `message-end` `interrupted`
 *   (finish_reason `REPLICA_LOST`) at the last offset; the stored reply is marked
 *   `interrupted` by the stale-reply sweep.
 * - While Redis is away, each replica serves its own streams to its own clients; writes are
 *   retried in order and reads resume from their position when it is back.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatStreamEvent } from '@sutazai/contracts';
import type { Logger } from '../logger.js';
import { CHECK_SCRIPT, FINALIZE_SCRIPT, WATCH_SCRIPT, entryId, parseEntry, replicaKey, stopChannel, streamKeys, type RawEntry } from './redis-stream-keys.js';
import { createStreamFollower } from './redis-stream-follower.js';
import { createStreamWriter } from './redis-stream-writer.js';
import { textOfEvents, type StoredStreamEvent, type StreamHub, type StreamListener, type StreamPublisher } from './stream-hub.js';

export interface RedisStreamHubOptions {
  /** Commands; the hub opens two more connections like it (a blocking reader, a subscriber). */
  redis: Redis;
  /** How long a stream with no client anywhere keeps generating, waiting for a resume. */
  resumeWindowMs: number;
  /** How long an ended stream stays resumable (and its keys live). Default 60 s. */
  retainMs?: number;
  logger: Logger;
  /** Start of every key and channel. Default `sutazai:`. */
  prefix?: string;
  /** Events kept per stream (XADD MAXLEN ~). Default 20,000. */
  maxLength?: number;
  /** How often presence and liveness are refreshed and abandonment is checked. Default 1 s. */
  heartbeatMs?: number;
  /** A replica that has not heart-beaten for this long is taken for dead. Default 15 s. */
  replicaTtlMs?: number;
  /** How long one XREAD blocks. Default 5 s. */
  blockMs?: number;
  /** How long a resume (after an event the client saw) waits for a stream Redis does not have yet. Default 1.5 s. */
  resumeWaitMs?: number;
}

interface LocalStream {
  id: string;
  ownerId: string;
  events: StoredStreamEvent[];
  listeners: Set<StreamListener>;
  ended: boolean;
  abandoned: boolean;
  /** Last time someone, here or elsewhere, was known to follow it; undefined until anyone did. */
  lastWatchedAt: number | undefined;
  onStop(): void;
  onAbandoned(): void;
  abandonTimer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
}

type Subscription = { unsubscribe(): void; ended: boolean };

/** One client's failure (a socket that broke mid-write) must not stop the generation or the other clients. */
function deliver(listener: StreamListener, stored: StoredStreamEvent): void {
  try {
    listener(stored);
  } catch {
    // the listener's own connection handling reports and cleans up
  }
}

const replicaLost = (streamId: string): ChatStreamEvent => ({
  type: 'message-end', message_id: streamId, status: 'interrupted', finish_reason: 'REPLICA_LOST',
  usage: { prompt_tokens: 0, completion_tokens: 0 }, timings: { time_to_first_token_ms: null, duration_ms: 0, tokens_per_second: null },
});

type ScriptRunner = (numberOfKeys: number, ...args: Array<string | number>) => Promise<unknown>;

export function createRedisStreamHub(options: RedisStreamHubOptions): StreamHub {
  const { redis, logger } = options;
  const prefix = options.prefix ?? 'sutazai:';
  const retainMs = options.retainMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const replicaTtlMs = options.replicaTtlMs ?? 15_000;
  const blockMs = options.blockMs ?? 5000;
  const resumeWaitMs = options.resumeWaitMs ?? 1500;
  const watcherTtlMs = Math.max(3 * heartbeatMs, 1000);
  const replicaId = randomBytes(8).toString('hex');
  const streams = new Map<string, LocalStream>();
  let active = 0;
  let closed = false;
  let ticking = false;

  const script = (source: string): ScriptRunner => (numberOfKeys, ...args) => redis.eval(source, numberOfKeys, ...args);
  const watchScript = script(WATCH_SCRIPT);
  const checkScript = script(CHECK_SCRIPT);
  const finalizeScript = script(FINALIZE_SCRIPT);

  const writer = createStreamWriter({ redis, prefix, replicaId, replicaTtlMs, retainMs, maxLength: options.maxLength ?? 20_000, logger });
  // Blocking reads and subscriptions need connections of their own; they wait for Redis rather than fail.
  const own = { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null };
  // No command timeout on the reader: ioredis arms one for each handshake command of every
  // reconnect attempt and keeps it past a failure, which holds a closing process for that long.
  // Its blocking reads get a deadline of their own (BLOCK plus a grace) instead.
  const reader = redis.duplicate({ ...own, commandTimeout: undefined, blockingTimeout: blockMs + 5000 });
  const subscriber = redis.duplicate({ ...own, commandTimeout: undefined });
  for (const connection of [reader, subscriber]) connection.on('error', () => undefined);
  const eventsPrefix = streamKeys(prefix, '').events;
  const follower = createStreamFollower({
    reader, command: redis, blockMs, logger, deliver,
    eventsKey: (id) => streamKeys(prefix, id).events,
    streamIdOf: (key) => key.slice(eventsPrefix.length),
    onIdle: (id) => void redis.zrem(streamKeys(prefix, id).watchers, replicaId).catch(() => undefined),
  });

  void subscriber.subscribe(stopChannel(prefix, replicaId)).catch((error: unknown) => logger.warn({ err: error }, 'could not listen for stop requests on Redis'));
  subscriber.on('message', (_channel: string, streamId: string) => {
    const stream = streams.get(streamId);
    if (stream && !stream.ended) stream.onStop();
  });

  const heartbeat = setInterval(() => void tick(), heartbeatMs);
  heartbeat.unref();
  void tick();

  function abandonIfUnwatched(stream: LocalStream, remoteWatchers: number | undefined, everWatched: boolean): void {
    const now = Date.now();
    if (remoteWatchers !== undefined && remoteWatchers > 0) stream.lastWatchedAt = now;
    else if (everWatched && stream.lastWatchedAt === undefined) stream.lastWatchedAt = now;
    if (stream.ended || stream.abandoned || stream.listeners.size > 0 || stream.lastWatchedAt === undefined) return;
    if (now - stream.lastWatchedAt >= options.resumeWindowMs) {
      stream.abandoned = true;
      stream.onAbandoned();
    }
  }

  /** Presence of what is followed here, liveness of this replica and of the generators followed, abandonment of what is generated here. */
  async function tick(): Promise<void> {
    if (ticking || closed) return;
    ticking = true;
    try {
      const followed = follower.followed();
      const generators = [...new Set(followed.map((f) => f.generator))];
      const candidates = [...streams.values()].filter((s) => !s.ended && !s.abandoned && s.listeners.size === 0);
      const pipeline = redis.pipeline();
      pipeline.set(replicaKey(prefix, replicaId), '1', 'PX', replicaTtlMs);
      for (const { streamId } of followed) {
        const keys = streamKeys(prefix, streamId);
        pipeline.eval(WATCH_SCRIPT, 2, keys.watchers, keys.meta, replicaId, watcherTtlMs, retainMs);
      }
      for (const stream of candidates) {
        const keys = streamKeys(prefix, stream.id);
        pipeline.eval(CHECK_SCRIPT, 2, keys.watchers, keys.meta);
      }
      for (const generator of generators) pipeline.exists(replicaKey(prefix, generator));
      const results = await pipeline.exec().catch(() => null);
      const at = (index: number) => results?.[index] && !results[index][0] ? results[index][1] : undefined;
      let index = 1 + followed.length;
      for (const stream of candidates) {
        const check = at(index++) as [number, string] | undefined;
        // Redis away: only this replica's own clients count.
        abandonIfUnwatched(stream, check?.[0], check?.[1] === '1');
      }
      const dead = new Set(generators.filter((_, i) => at(index + i) === 0));
      for (const { streamId, generator } of followed) if (dead.has(generator)) await finalize(streamId, generator);
    } catch (error) {
      logger.warn({ err: error }, 'stream hub heartbeat failed');
    } finally {
      ticking = false;
    }
  }

  /** Ends a stream whose generator died, unless someone already did or it is alive after all. */
  async function finalize(streamId: string, generator: string): Promise<void> {
    const keys = streamKeys(prefix, streamId);
    const done = await finalizeScript(4, keys.events, keys.meta, replicaKey(prefix, generator), keys.watchers, retainMs, JSON.stringify(replicaLost(streamId))).catch(() => 0);
    if (done === 1) logger.warn({ streamId, replica: generator }, 'the replica generating this stream stopped heart-beating; ended it as interrupted');
  }

  function subscribeLocal(stream: LocalStream, afterSeq: number | undefined, listener: StreamListener): Subscription {
    const from = afterSeq === undefined ? 0 : afterSeq + 1;
    for (let i = from; i < stream.events.length; i++) deliver(listener, stream.events[i]!);
    if (stream.ended) return { unsubscribe() {}, ended: true };
    stream.listeners.add(listener);
    stream.lastWatchedAt = Date.now();
    return {
      ended: false,
      unsubscribe() {
        if (!stream.listeners.delete(listener) || stream.listeners.size > 0 || stream.ended) return;
        stream.lastWatchedAt = Date.now();
        // Checked when the window is over (and on every heartbeat after), with the watchers elsewhere.
        clearTimeout(stream.abandonTimer);
        stream.abandonTimer = setTimeout(() => {
          const keys = streamKeys(prefix, stream.id);
          checkScript(2, keys.watchers, keys.meta).then(
            (check) => abandonIfUnwatched(stream, (check as [number, string])[0], true),
            () => abandonIfUnwatched(stream, undefined, true),
          );
        }, options.resumeWindowMs);
        stream.abandonTimer.unref();
      },
    };
  }

  async function subscribeRemote(streamId: string, ownerId: string, afterSeq: number | undefined, listener: StreamListener): Promise<Subscription | undefined | 'unknown'> {
    const keys = streamKeys(prefix, streamId);
    const [metaReply, rangeReply] = (await redis.multi().hgetall(keys.meta).xrange(keys.events, afterSeq === undefined ? '-' : entryId(afterSeq + 1), '+').exec()) ?? [];
    if (!metaReply || metaReply[0] || !rangeReply || rangeReply[0]) throw metaReply?.[0] ?? rangeReply?.[0] ?? new Error('the Redis transaction was not executed');
    const meta = metaReply[1] as Record<string, string>;
    if (meta.owner === undefined) return 'unknown';
    if (meta.owner !== ownerId || !meta.replica) return undefined;
    let lastSeq = afterSeq ?? -1;
    const replay = (entries: RawEntry[]): boolean => {
      for (const raw of entries) {
        const entry = parseEntry(raw);
        if (!entry || entry.seq <= lastSeq) continue;
        if (entry.kind === 'end') return true;
        lastSeq = entry.seq;
        deliver(listener, { seq: entry.seq, offset: entry.offset, event: entry.event });
      }
      return false;
    };
    if (replay(rangeReply[1] as RawEntry[]) || meta.ended === '1') return { unsubscribe() {}, ended: true };
    if ((await redis.exists(replicaKey(prefix, meta.replica))) === 0) {
      // Its generator died: end it (or find it ended), and hand over the rest with the end.
      await finalize(streamId, meta.replica);
      if (replay(await redis.xrange(keys.events, entryId(lastSeq + 1), '+') as RawEntry[])) return { unsubscribe() {}, ended: true };
    }
    const follow = follower.follow(streamId, meta.replica, lastSeq, listener);
    // Present before the subscription is handed out, so the generator does not abandon it meanwhile.
    await watchScript(2, keys.watchers, keys.meta, replicaId, watcherTtlMs, retainMs).catch(() => undefined);
    return { ended: false, unsubscribe: () => follow.stop() };
  }

  return {
    open(streamId, ownerId, handlers): StreamPublisher {
      const stream: LocalStream = {
        id: streamId, ownerId, events: [], listeners: new Set(), ended: false, abandoned: false, lastWatchedAt: undefined, ...handlers,
        abandonTimer: undefined, expiryTimer: undefined,
      };
      streams.set(streamId, stream);
      active++;
      writer.schedule(stream);
      return {
        publish(event: ChatStreamEvent, offset: number) {
          if (stream.ended) return;
          const stored = { seq: stream.events.length, offset, event };
          stream.events.push(stored);
          for (const listener of stream.listeners) deliver(listener, stored);
          writer.schedule(stream);
        },
        end() {
          if (stream.ended) return;
          stream.ended = true;
          active--;
          writer.schedule(stream);
          clearTimeout(stream.abandonTimer);
          // Kept here while it is resumable; its keys in Redis expire as long after the end.
          stream.expiryTimer = setTimeout(() => {
            streams.delete(streamId);
            writer.forget(streamId);
          }, retainMs);
          stream.expiryTimer.unref();
        },
      };
    },

    async subscribe(streamId, ownerId, afterSeq, listener) {
      const local = streams.get(streamId);
      if (local) return local.ownerId === ownerId ? subscribeLocal(local, afterSeq, listener) : undefined;
      // A client that saw events of this stream knows it exists: if Redis does not have it yet
      // (it left its replica before that replica's write landed), ask again for a moment.
      const deadline = Date.now() + (afterSeq === undefined ? 0 : resumeWaitMs);
      for (;;) {
        try {
          const found = await subscribeRemote(streamId, ownerId, afterSeq, listener);
          if (found !== 'unknown') return found;
        } catch (error) {
          if (Date.now() >= deadline) {
            // Redis away: the caller falls back to what storage has.
            logger.warn({ err: error, streamId }, 'could not read a stream from Redis');
            return undefined;
          }
        }
        if (Date.now() >= deadline || closed) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },

    async stop(streamId, ownerId) {
      const local = streams.get(streamId);
      if (local) {
        if (local.ownerId !== ownerId || local.ended) return false;
        local.onStop();
        return true;
      }
      try {
        const [owner, generator, ended] = await redis.hmget(streamKeys(prefix, streamId).meta, 'owner', 'replica', 'ended');
        if (owner !== ownerId || !generator || ended === '1') return false;
        // Received by the generator when it is alive; nobody listens on a dead one's channel.
        return (await redis.publish(stopChannel(prefix, generator), streamId)) > 0;
      } catch (error) {
        logger.warn({ err: error, streamId }, 'could not send a stop request through Redis');
        return false;
      }
    },

    async streamedText(streamId) {
      const local = streams.get(streamId);
      if (local) return textOfEvents(local.events);
      const entries = (await redis.xrange(streamKeys(prefix, streamId).events, '-', '+')) as RawEntry[];
      return textOfEvents(entries.map(parseEntry).filter((entry) => entry?.kind === 'event'));
    },

    activeCount: () => active,

    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      for (const stream of streams.values()) {
        clearTimeout(stream.abandonTimer);
        clearTimeout(stream.expiryTimer);
      }
      streams.clear();
      writer.close();
      follower.close();
      reader.disconnect();
      subscriber.disconnect();
    },
  };
}
