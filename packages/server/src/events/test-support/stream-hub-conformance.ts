/**
 * The stream-hub conformance suite: what every StreamHub adapter promises, run against each.
 * A case gets two replicas' hubs; it generates on the first and subscribes, resumes and stops
 * on the second. In-process, both are the same hub (one process is one replica); on Redis,
 * two hubs on their own connections, as two processes are.
 */
import type { ChatStreamEvent } from '@sutazai/contracts';
import { expect, it } from 'vitest';
import type { StoredStreamEvent, StreamHub } from '../stream-hub.js';

export interface HubReplicas {
  generator: StreamHub;
  other: StreamHub;
  dispose(): Promise<void>;
}

export interface HubSettings {
  resumeWindowMs: number;
}

export interface StreamHubConformanceOptions {
  createReplicas(settings: HubSettings): Promise<HubReplicas>;
  /** How long events (and a new stream) may take to reach the other replica. */
  deliveryMs: number;
  /** How late past the resume window abandonment may come (a heartbeat). */
  abandonSlackMs: number;
}

const delta = (text: string): ChatStreamEvent => ({ type: 'text-delta', text });
function handlers() {
  const counts = { stopped: 0, abandoned: 0, onStop: () => void counts.stopped++, onAbandoned: () => void counts.abandoned++ };
  return counts;
}
let counter = 0;
const uniqueId = () => `m${Date.now().toString(36)}${(counter++).toString(36)}`;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

export function runStreamHubConformance({ createReplicas, deliveryMs, abandonSlackMs }: StreamHubConformanceOptions): void {
  async function withReplicas(body: (replicas: HubReplicas) => Promise<void>, settings: HubSettings = { resumeWindowMs: 10_000 }) {
    const replicas = await createReplicas(settings);
    try {
      await body(replicas);
    } finally {
      await replicas.dispose();
    }
  }

  it('replays the events after the last one seen on another replica, then delivers live ones', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const publisher = generator.open(id, 'alice', handlers());
    publisher.publish(delta('a'), 1);
    publisher.publish(delta('b'), 2);
    await sleep(deliveryMs);
    const seen: StoredStreamEvent[] = [];
    const subscription = await other.subscribe(id, 'alice', 0, (e) => seen.push(e));
    expect(subscription).toMatchObject({ ended: false });
    publisher.publish(delta('c'), 3);
    await waitFor(() => seen.length === 2, 'the live event');
    expect(seen.map((e) => [e.seq, e.offset, e.event])).toEqual([[1, 2, delta('b')], [2, 3, delta('c')]]);
    subscription!.unsubscribe();
  }));

  it('delivers many events to subscribers that join at different points, each once and in order', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const publisher = generator.open(id, 'alice', handlers());
    const runs: Array<{ from: number | undefined; seen: number[] }> = [];
    await sleep(deliveryMs);
    const join = async (hub: StreamHub, from: number | undefined) => {
      const run = { from, seen: [] as number[] };
      runs.push(run);
      await hub.subscribe(id, 'alice', from, (e) => run.seen.push(e.seq));
    };
    await join(other, undefined);
    for (let i = 0; i < 300; i++) {
      publisher.publish(delta(`t${i} `), i + 1);
      if (i === 100) await join(other, 50);
      if (i === 200) await join(generator, 150);
      if (i % 50 === 0) await sleep(1);
    }
    await join(other, 280);
    publisher.publish({ type: 'message-end', message_id: id, status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 300 }, timings: { time_to_first_token_ms: 1, duration_ms: 2, tokens_per_second: null } }, 300);
    publisher.end();
    await waitFor(() => runs.every((run) => run.seen.at(-1) === 300), 'every subscriber to reach the end', deliveryMs * 10);
    for (const run of runs) {
      const first = run.from === undefined ? 0 : run.from + 1;
      expect(run.seen).toEqual(Array.from({ length: 301 - first }, (_, i) => first + i));
    }
  }));

  it('gives back the text a stream carried, on any replica, and nothing for a stream nobody opened', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const publisher = generator.open(id, 'alice', handlers());
    publisher.publish(delta('Hello'), 5);
    publisher.publish({ type: 'tool-call', call_id: 'c1', tool: 'calculator', arguments: { expression: '1+1' } }, 5);
    publisher.publish(delta(', world'), 12);
    await sleep(deliveryMs);
    for (const hub of [generator, other]) expect(await hub.streamedText(id)).toEqual({ from: 0, text: 'Hello, world' });
    expect(await other.streamedText(uniqueId())).toBeUndefined();
  }));

  it('does not let another owner subscribe to or stop a stream', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const h = handlers();
    generator.open(id, 'alice', h).publish(delta('secret'), 6);
    await sleep(deliveryMs);
    const seen: unknown[] = [];
    expect(await other.subscribe(id, 'mallory', undefined, (e) => seen.push(e))).toBeUndefined();
    expect(await other.stop(id, 'mallory')).toBe(false);
    await sleep(deliveryMs);
    expect(h.stopped).toBe(0);
    expect(seen).toEqual([]);
  }));

  it('knows nothing of a stream nobody opened', () => withReplicas(async ({ other }) => {
    expect(await other.subscribe(uniqueId(), 'alice', undefined, () => {})).toBeUndefined();
    expect(await other.stop(uniqueId(), 'alice')).toBe(false);
  }));

  it('passes a stop from another replica to the generation, and refuses one after the end', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const h = handlers();
    const publisher = generator.open(id, 'alice', h);
    publisher.publish(delta('x'), 1);
    await sleep(deliveryMs);
    expect(await other.stop(id, 'alice')).toBe(true);
    await waitFor(() => h.stopped === 1, 'onStop on the generating replica');
    publisher.end();
    await sleep(deliveryMs);
    expect(await other.stop(id, 'alice')).toBe(false);
    expect(h.stopped).toBe(1);
  }));

  it('abandons a stream only after its last subscriber anywhere has been gone for the resume window', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const h = handlers();
    generator.open(id, 'alice', h);
    await sleep(deliveryMs);
    const first = (await other.subscribe(id, 'alice', undefined, () => {}))!;
    first.unsubscribe();
    await sleep(300);
    const second = (await other.subscribe(id, 'alice', undefined, () => {}))!;
    await sleep(1200 + abandonSlackMs);
    expect(h.abandoned).toBe(0);
    second.unsubscribe();
    await sleep(500);
    expect(h.abandoned).toBe(0);
    await waitFor(() => h.abandoned === 1, 'abandonment', 500 + abandonSlackMs + 1000);
  }, { resumeWindowMs: 800 }));

  it('keeps a stream going while a client on the generating replica follows it', () => withReplicas(async ({ generator }) => {
    const id = uniqueId();
    const h = handlers();
    generator.open(id, 'alice', h);
    const subscription = (await generator.subscribe(id, 'alice', undefined, () => {}))!;
    await sleep(500 + abandonSlackMs);
    expect(h.abandoned).toBe(0);
    subscription.unsubscribe();
    await waitFor(() => h.abandoned === 1, 'abandonment', 300 + abandonSlackMs + 1000);
  }, { resumeWindowMs: 300 }));

  it('does not abandon a stream nobody ever subscribed to (a background run)', () => withReplicas(async ({ generator }) => {
    const h = handlers();
    generator.open(uniqueId(), 'alice', h);
    await sleep(400 + abandonSlackMs);
    expect(h.abandoned).toBe(0);
  }, { resumeWindowMs: 200 }));

  it('keeps delivering to the others when one listener throws', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const publisher = generator.open(id, 'alice', handlers());
    await sleep(deliveryMs);
    const seen: string[] = [];
    for (const hub of [generator, other]) {
      await hub.subscribe(id, 'alice', undefined, () => {
        throw new Error('socket broke');
      });
      await hub.subscribe(id, 'alice', undefined, (e) => seen.push(e.event.type));
    }
    expect(() => publisher.publish(delta('x'), 1)).not.toThrow();
    await waitFor(() => seen.length === 2, 'both good listeners');
    expect(seen).toEqual(['text-delta', 'text-delta']);
  }));

  it('replays an ended stream whole and reports it ended; counts active streams on the generating replica', () => withReplicas(async ({ generator, other }) => {
    const id = uniqueId();
    const before = generator.activeCount();
    const publisher = generator.open(id, 'alice', handlers());
    expect(generator.activeCount()).toBe(before + 1);
    publisher.publish(delta('x'), 1);
    publisher.publish(delta('y'), 2);
    publisher.end();
    expect(generator.activeCount()).toBe(before);
    await sleep(deliveryMs);
    const seen: number[] = [];
    expect(await other.subscribe(id, 'alice', undefined, (e) => seen.push(e.seq))).toMatchObject({ ended: true });
    expect(seen).toEqual([0, 1]);
    const rest: number[] = [];
    expect(await other.subscribe(id, 'alice', 0, (e) => rest.push(e.seq))).toMatchObject({ ended: true });
    expect(rest).toEqual([1]);
  }));
}
