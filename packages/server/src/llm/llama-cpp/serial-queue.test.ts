import { describe, expect, it } from 'vitest';
import { createSerialQueue } from './serial-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('serial queue', () => {
  it('runs tasks one at a time in arrival order', async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    const task = (name: string) => async (): Promise<void> => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`${name} end`);
    };
    await Promise.all([queue.run(task('a')), queue.run(task('b')), queue.run(task('c'))]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets a waiting task give up without letting the next one overtake the running one', async () => {
    const queue = createSerialQueue();
    const gate = deferred();
    const events: string[] = [];
    const first = queue.run(async () => {
      events.push('first start');
      await gate.promise;
      events.push('first end');
    });
    const controller = new AbortController();
    const abandoned = queue.run(async () => events.push('abandoned ran'), controller.signal);
    const third = queue.run(async () => events.push('third ran'));
    controller.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual(['first start']);
    gate.resolve();
    await Promise.all([first, third]);
    expect(events).toEqual(['first start', 'first end', 'third ran']);
  });
});
