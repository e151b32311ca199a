/**
 * Copies the events of the streams this replica generates into Redis, in order and without
 * gaps: one pipeline in flight at a time carries what every stream published since the last
 * one, so a busy replica batches itself (one round trip for many streams and events). A write
 * that failed (Redis away, a timeout) is retried from where Redis says the stream ends, so a
 * write that did land after all is not repeated.
 */
import type { ChainableCommander, Redis } from 'ioredis';
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
  /** The last write failed: ask Redis where the stream ends before writing again. */
  resync: boolean;
  /** Another replica ended the stream (it took this one for dead): stop writing. */
  gaveUp: boolean;
  lastExpireAt: number;
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
  forget(streamId: string): void;
  close(): void;
}

/** Events of one stream in one pipeline; the rest go in the next. */
const MAX_BATCH = 500;

interface Planned {
  stream: WrittenStream;
  state: WriteState;
  /** Index of its first command in the pipeline, and how many. */
  first: number;
  count: number;
  to: number;
  writeEnd: boolean;
  expire: boolean;
}

export function createStreamWriter(options: StreamWriterOptions): StreamWriter {
  const { redis, prefix, logger } = options;
  const states = new Map<string, WriteState>();
  const dirty = new Map<string, WrittenStream>();
  let flushing = false;
  let scheduled = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelayMs = 250;
  let closed = false;
  let lastWarning = 0;

  const stateOf = (id: string): WriteState => {
    let state = states.get(id);
    if (!state) {
      state = { written: 0, metaWritten: false, endWritten: false, resync: false, gaveUp: false, lastExpireAt: 0 };
      states.set(id, state);
    }
    return state;
  };
  const pending = (stream: WrittenStream, state: WriteState) =>
    !state.gaveUp && (!state.metaWritten || state.written < stream.events.length || (stream.ended && !state.endWritten));

  const warn = (error: unknown) => {
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    logger.warn({ err: error }, 'stream events could not be written to Redis; retrying (other replicas see them late)');
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

  /** Adds the stream's unwritten part to the pipeline. */
  function plan(stream: WrittenStream, state: WriteState, pipeline: ChainableCommander, now: number): Planned {
    const first = pipeline.length;
    const keys = streamKeys(prefix, stream.id);
    const to = Math.min(stream.events.length, state.written + MAX_BATCH);
    const writeEnd = stream.ended && to === stream.events.length && !state.endWritten;
    const writeMeta = !state.metaWritten;
    if (writeMeta) {
      // The generator's liveness goes with its first write, so no follower takes it for dead.
      pipeline.set(replicaKey(prefix, options.replicaId), '1', 'PX', options.replicaTtlMs);
      pipeline.hset(keys.meta, 'owner', stream.ownerId, 'replica', options.replicaId, 'ended', '0');
    }
    for (let seq = state.written; seq < to; seq++) {
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
    return { stream, state, first, count: pipeline.length - first, to, writeEnd, expire };
  }

  async function flush(): Promise<void> {
    flushing = true;
    const batch = [...dirty.values()];
    dirty.clear();
    let failure: unknown;
    try {
      for (const stream of batch) {
        const state = stateOf(stream.id);
        if (state.resync) await resync(stream, state);
      }
      const now = Date.now();
      const pipeline = redis.pipeline();
      const planned: Planned[] = [];
      for (const stream of batch) {
        const state = stateOf(stream.id);
        if (pending(stream, state)) planned.push(plan(stream, state, pipeline, now));
      }
      const results = pipeline.length > 0 ? await pipeline.exec().catch((error: unknown) => {
        failure = error;
        return null;
      }) : [];
      for (const item of planned) {
        const own = results?.slice(item.first, item.first + item.count);
        const error = own ? own.find(([e]) => e)?.[0] : failure ?? new Error('the Redis pipeline was not executed');
        if (error || !own) {
          failure ??= error;
          item.state.resync = true;
          continue;
        }
        item.state.written = item.to;
        item.state.metaWritten = true;
        if (item.writeEnd) item.state.endWritten = true;
        if (item.expire) item.state.lastExpireAt = now;
      }
    } catch (error) {
      failure = error;
    } finally {
      flushing = false;
    }
    // Whatever is still unwritten (failed, more than one batch, published meanwhile) goes next.
    for (const stream of batch) if (pending(stream, stateOf(stream.id))) dirty.set(stream.id, stream);
    if (failure !== undefined && !closed) {
      warn(failure);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        kick();
      }, retryDelayMs);
      retryTimer.unref();
      retryDelayMs = Math.min(retryDelayMs * 2, 2000);
      return;
    }
    retryDelayMs = 250;
    kick();
  }

  /** One pipeline at a time, sent at the end of this turn of the event loop, with everything published in it. */
  function kick(): void {
    if (flushing || scheduled || retryTimer || closed || dirty.size === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  return {
    schedule(stream) {
      if (closed || !pending(stream, stateOf(stream.id))) return;
      dirty.set(stream.id, stream);
      kick();
    },
    forget(streamId) {
      states.delete(streamId);
      dirty.delete(streamId);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
    },
  };
}
