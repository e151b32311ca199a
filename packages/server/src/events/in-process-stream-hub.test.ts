import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInProcessStreamHub } from './in-process-stream-hub.js';
import type { StoredStreamEvent } from './stream-hub.js';

const delta = (text: string) => ({ type: 'text-delta' as const, text });

describe('in-process stream hub', () => {
  afterEach(() => vi.useRealTimers());

  it('replays the events after the last one seen, then delivers live ones', async () => {
    const hub = createInProcessStreamHub({ resumeWindowMs: 1000 });
    const publisher = hub.open('m1', 'alice', { onStop() {}, onAbandoned() {} });
    publisher.publish(delta('a'), 1);
    publisher.publish(delta('b'), 2);
    const seen: StoredStreamEvent[] = [];
    await hub.subscribe('m1', 'alice', 0, (e) => seen.push(e));
    publisher.publish(delta('c'), 3);
    expect(seen.map((e) => [e.seq, e.offset])).toEqual([[1, 2], [2, 3]]);
  });

  it('does not let another owner subscribe or stop a stream', async () => {
    const hub = createInProcessStreamHub({ resumeWindowMs: 1000 });
    const onStop = vi.fn();
    hub.open('m1', 'alice', { onStop, onAbandoned() {} });
    expect(await hub.subscribe('m1', 'mallory', undefined, () => {})).toBeUndefined();
    expect(await hub.stop('m1', 'mallory')).toBe(false);
    expect(onStop).not.toHaveBeenCalled();
    expect(await hub.stop('m1', 'alice')).toBe(true);
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('abandons a stream only after its last subscriber has been gone for the resume window', async () => {
    vi.useFakeTimers();
    const hub = createInProcessStreamHub({ resumeWindowMs: 1000 });
    const onAbandoned = vi.fn();
    hub.open('m1', 'alice', { onStop() {}, onAbandoned });
    const first = (await hub.subscribe('m1', 'alice', undefined, () => {}))!;
    first.unsubscribe();
    vi.advanceTimersByTime(900);
    const second = (await hub.subscribe('m1', 'alice', undefined, () => {}))!;
    vi.advanceTimersByTime(5000);
    expect(onAbandoned).not.toHaveBeenCalled();
    second.unsubscribe();
    vi.advanceTimersByTime(1000);
    expect(onAbandoned).toHaveBeenCalledOnce();
  });

  it('keeps delivering to the others when one listener throws', async () => {
    const hub = createInProcessStreamHub({ resumeWindowMs: 1000 });
    const publisher = hub.open('m1', 'alice', { onStop() {}, onAbandoned() {} });
    const seen: string[] = [];
    await hub.subscribe('m1', 'alice', undefined, () => {
      throw new Error('socket broke');
    });
    await hub.subscribe('m1', 'alice', undefined, (e) => seen.push(e.event.type));
    expect(() => publisher.publish(delta('x'), 1)).not.toThrow();
    expect(seen).toEqual(['text-delta']);
  });

  it('reports an ended stream as ended and counts active streams', async () => {
    const hub = createInProcessStreamHub({ resumeWindowMs: 1000 });
    const publisher = hub.open('m1', 'alice', { onStop() {}, onAbandoned() {} });
    expect(hub.activeCount()).toBe(1);
    publisher.publish(delta('x'), 1);
    publisher.end();
    expect(hub.activeCount()).toBe(0);
    const seen: number[] = [];
    expect(await hub.subscribe('m1', 'alice', undefined, (e) => seen.push(e.seq))).toMatchObject({ ended: true });
    expect(seen).toEqual([0]);
    expect(await hub.stop('m1', 'alice')).toBe(false);
  });
});
