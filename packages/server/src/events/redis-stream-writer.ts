/**
 * Copies the events of the streams this replica generates into Redis, in order and without
 * gaps: each stream has at most one write in flight, and everything published meanwhile goes
 * out in the next one (one pipeline), so a busy stream batches itself. A write that failed
 * (Redis away, a timeout) is retried from where Redis says the stream ends, so a write that
 * did land after all is not repeated.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { entryId, replicaKey, seqOf, streamKeys } from './redis-stream-keys.js';
import type { StoredStreamEvent } from './stream-hub.js';

export interface WrittenStream {
  id: string;
  ownerId: string;
  events: StoredStreamEvent[];
  ended: boolean;
}

interface WriteState {
  /** Events Redis holds. */
  written: number;
  metaWritten: boolean;
  endWritten: boolean;
  inFlight: boolean;
  /** The last write failed: ask Redis where the stream ends before writing again. */
  resync: boolean;
  /** Another replica ended the stream (it took this one for dead): stop writing. */
  gaveUp: boolean;
  lastExpireAt: number;
  retryDelayMs: number;
  retryTimer: NodeJS.Timeout | undefined;
}

export interface StreamWriterOptions {
  redis: Redis;
  prefix: string;
  replicaId: string;
  replicaTtlMs: number;
  retainMs: number;
  maxLength: number;
  logger: Logger;
}

export interface StreamWriter {
  /** Writes whatever of the stream Redis does not have yet (soon, batched). */
  schedule(stream: WrittenStream): void;
  /** Whether Redis holds the whole stream, end marker included. */
  done(stream: WrittenStream): boolean;
  forget(streamId: string): void;
  close(): void;
}

const MAX_BATCH = 500;

export function createStreamWriter(options: StreamWriterOptions): StreamWriter {
  const { redis, prefix, logger } = options;
  const states = new Map<string, WriteState>();
  let closed = false;
  let lastWarning = 0;

  const stateOf = (id: string): WriteState => {
    let state = states.get(id);
    if (!state) {
      state = { written: 0, metaWritten: false, endWritten: false, inFlight: false, resync: false, gaveUp: false, lastExpireAt: 0, retryDelayMs: 250, retryTimer: undefined };
      states.set(id, state);
    }
    return state;
  };

  const warn = (error: unknown, streamId: string) => {
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    logger.warn({ err: error, streamId }, 'stream events could not be written to Redis; retrying (other replicas see them late)');
  };

  async function resync(stream: WrittenStream, state: WriteState): Promise<void> {
    const keys = streamKeys(prefix, stream.id);
    const top = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1))[0];
    state.resync = false;
    state.metaWritten = false;
    if (top?.[1][0] === 'end') {
      // Our own end marker (a write that timed out but landed) sits right after our last event.
      if (stream.ended && seqOf(top[0]) === stream.events.length) {
        state.written = stream.events.length;
        state.endWritten = true;
        state.metaWritten = true;
        return;
      }
      state.gaveUp = true;
      logger.warn({ streamId: stream.id }, 'another replica ended this stream in Redis (this one missed its heartbeats); its clients here still get every event');
      return;
    }
    state.written = top ? Math.min(stream.events.length, seqOf(top[0]) + 1) : 0;
  }

  async function write(stream: WrittenStream, state: WriteState): Promise<void> {
    if (state.resync) await resync(stream, state);
    if (state.gaveUp) return;
    const keys = streamKeys(prefix, stream.id);
    const from = state.written;
    const to = Math.min(stream.events.length, from + MAX_BATCH);
    const writeEnd = stream.ended && to === stream.events.length && !state.endWritten;
    if (from === to && !writeEnd && state.metaWritten) return;
    const now = Date.now();
    const pipeline = redis.pipeline();
    const writeMeta = !state.metaWritten;
    if (writeMeta) {
      // The generator's liveness goes with its first write, so no follower takes it for dead.
      pipeline.set(replicaKey(prefix, options.replicaId), '1', 'PX', options.replicaTtlMs);
      pipeline.hset(keys.meta, 'owner', stream.ownerId, 'replica', options.replicaId, 'ended', '0');
    }
    for (let seq = from; seq < to; seq++) {
      const stored = stream.events[seq]!;
      pipeline.xadd(keys.events, 'MAXLEN', '~', String(options.maxLength), entryId(seq), 'e', JSON.stringify({ offset: stored.offset, event: stored.event }));
    }
    if (writeEnd) {
      pipeline.xadd(keys.events, entryId(to), 'end', '1');
      pipeline.hset(keys.meta, 'ended', '1');
    }
    const expire = writeMeta || writeEnd || now - state.lastExpireAt > options.retainMs / 4;
    if (expire) {
      pipeline.pexpire(keys.events, options.retainMs);
      pipeline.pexpire(keys.meta, options.retainMs);
      if (writeEnd) pipeline.pexpire(keys.watchers, options.retainMs);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (!results || failed) {
      state.resync = true;
      throw failed ?? new Error('the Redis pipeline was not executed');
    }
    state.written = to;
    state.metaWritten = true;
    if (writeEnd) state.endWritten = true;
    if (expire) state.lastExpireAt = now;
  }

  function schedule(stream: WrittenStream): void {
    const state = stateOf(stream.id);
    if (state.inFlight || state.gaveUp || state.retryTimer || closed) return;
    if (state.metaWritten && state.written === stream.events.length && (!stream.ended || state.endWritten)) return;
    state.inFlight = true;
    // A microtask later, so the events published in this turn of the loop go out together.
    queueMicrotask(() => {
      write(stream, state).then(() => {
        state.inFlight = false;
        state.retryDelayMs = 250;
        schedule(stream);
      }, (error: unknown) => {
        state.inFlight = false;
        if (closed) return;
        warn(error, stream.id);
        state.retryTimer = setTimeout(() => {
          state.retryTimer = undefined;
          schedule(stream);
        }, state.retryDelayMs);
        state.retryTimer.unref();
        state.retryDelayMs = Math.min(state.retryDelayMs * 2, 2000);
      });
    });
  }

  return {
    schedule,
    done(stream) {
      const state = states.get(stream.id);
      return state !== undefined && (state.gaveUp || (state.endWritten && state.written === stream.events.length));
    },
    forget(streamId) {
      clearTimeout(states.get(streamId)?.retryTimer);
      states.delete(streamId);
    },
    close() {
      closed = true;
      for (const state of states.values()) clearTimeout(state.retryTimer);
    },
  };
}
