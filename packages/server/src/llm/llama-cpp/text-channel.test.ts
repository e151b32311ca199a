import { describe, expect, it } from 'vitest';
import { createTextChannel } from './text-channel.js';

async function drain(channel: ReturnType<typeof createTextChannel>): Promise<string[]> {
  const chunks: string[] = [];
  for (let text = await channel.next(); text !== undefined; text = await channel.next()) chunks.push(text);
  return chunks;
}

describe('text channel', () => {
  it('hands chunks one by one to a reader that keeps up', async () => {
    const channel = createTextChannel(4);
    const reading = drain(channel);
    for (const text of ['a', 'b', 'c']) {
      channel.push(text);
      await Promise.resolve();
    }
    channel.end();
    expect(await reading).toEqual(['a', 'b', 'c']);
  });

  it('merges overflow into the newest chunk for a slow reader, losing and reordering nothing', async () => {
    const channel = createTextChannel(3);
    const pushed = Array.from({ length: 100 }, (_, index) => `${index},`);
    for (const text of pushed) channel.push(text);
    channel.end();
    const chunks = await drain(channel);
    expect(chunks).toHaveLength(3);
    expect(chunks.join('')).toBe(pushed.join(''));
  });

  it('delivers queued text before the failure and ignores empty chunks', async () => {
    const channel = createTextChannel();
    channel.push('kept');
    channel.push('');
    channel.fail(new Error('stopped'));
    channel.push('after the end');
    expect(await channel.next()).toBe('kept');
    await expect(channel.next()).rejects.toThrow('stopped');
  });
});
