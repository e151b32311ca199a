/**
 * Where the Redis stream hub keeps things, and the scripts that must run atomically there.
 *
 * Per stream (a reply's message id):
 * - `<prefix>stream:<id>`: a Redis Stream of its events. Entry ids are explicit, `0-<seq+1>`,
 *   so a resume after event `seq` is `XRANGE ... 0-<seq+2> +`, nothing is written twice and
 *   two writers of one position cannot both succeed. The last entry is an end marker.
 * - `<prefix>stream:<id>:meta`: a hash: `owner`, `replica` (who generates it), `ended`,
 *   `watched` (someone subscribed at some point).
 * - `<prefix>stream:<id>:watchers`: a sorted set of the replicas following it from elsewhere,
 *   scored by when their presence expires (Redis server time, so clocks need not agree).
 * Per replica: `<prefix>replica:<id>` lives while the replica heart-beats, and it listens on
 * the pub/sub channel `<prefix>stop:<id>` for stop requests of the streams it generates.
 */
import type { ChatStreamEvent } from '@sutazai/contracts';

export interface StreamKeys {
  events: string;
  meta: string;
  watchers: string;
}

export function streamKeys(prefix: string, streamId: string): StreamKeys {
  const events = `${prefix}stream:${streamId}`;
  return { events, meta: `${events}:meta`, watchers: `${events}:watchers` };
}

export const replicaKey = (prefix: string, replicaId: string) => `${prefix}replica:${replicaId}`;
export const stopChannel = (prefix: string, replicaId: string) => `${prefix}stop:${replicaId}`;

/** The Redis Stream entry id of event `seq`. */
export const entryId = (seq: number) => `0-${seq + 1}`;
/** The event position of a Redis Stream entry id; the end marker's is one past the last event. */
export const seqOf = (id: string) => Number(id.slice(id.indexOf('-') + 1)) - 1;

/** A Redis Stream entry as it comes back: id and flat field list. */
export type RawEntry = [id: string, fields: string[]];

/** An event as this replica's writer stored it (`event` is one it published), or the end marker. */
export type ParsedEntry = { kind: 'event'; seq: number; offset: number; event: ChatStreamEvent } | { kind: 'end'; seq: number };

export function parseEntry([id, fields]: RawEntry): ParsedEntry | undefined {
  const seq = seqOf(id);
  if (fields[0] === 'end') return { kind: 'end', seq };
  if (fields[0] !== 'e' || fields[1] === undefined) return undefined;
  try {
    const body = JSON.parse(fields[1]) as { offset: number; event: ChatStreamEvent };
    return { kind: 'event', seq, offset: body.offset, event: body.event };
  } catch {
    return undefined;
  }
}

/** The Lua scripts, named for `defineCommand`. Server time (TIME) is allowed before writes since Redis 5. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: watchers, meta. ARGV: replica id, presence ttl ms, retain ms. Marks a remote follower present. */
export const WATCH_SCRIPT = `${NOW_MS}
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], 'watched', '1')
return 1`;

/** KEYS: watchers, meta. Returns { followers present now, ever watched ('1' or '0') }. */
export const CHECK_SCRIPT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return { redis.call('ZCARD', KEYS[1]), redis.call('HGET', KEYS[2], 'watched') or '0' }`;

/**
 * KEYS: events, meta, generator's replica key, watchers. ARGV: retain ms, the final event's
 * JSON. Ends a stream whose generator stopped heart-beating (its process died): appends the
 * final event at the next position, with the last offset, and the end marker. Returns 1 when
 * it did; 0 when the stream is unknown, over, or its generator is alive.
 */
export const FINALIZE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], 'ended') == '1' then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local nextIndex = 1
local offset = 0
if #last > 0 then
  local fields = last[1][2]
  if fields[1] == 'end' then
    redis.call('HSET', KEYS[2], 'ended', '1')
    return 0
  end
  nextIndex = tonumber(string.match(last[1][1], '-(%d+)$')) + 1
  if fields[1] == 'e' then offset = cjson.decode(fields[2]).offset end
end
redis.call('XADD', KEYS[1], '0-' .. nextIndex, 'e', '{"offset":' .. string.format('%d', offset) .. ',"event":' .. ARGV[2] .. '}')
redis.call('XADD', KEYS[1], '0-' .. (nextIndex + 1), 'end', '1')
redis.call('HSET', KEYS[2], 'ended', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[1])
return 1`;
