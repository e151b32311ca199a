import { describe, expect, it } from 'vitest';
import { parseServerSentEvents, readServerSentEvents } from './sse.js';

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

const stream = 'id: m:0:0\nevent: message-start\ndata: {"message_id":"m"}\n\n: keep-alive\n\nid: m:1:5\nevent: text-delta\ndata: {"text":"héllo"}\n\nevent: message-end\ndata: {"status":"complete"}\n\n';

describe('server-sent events', () => {
  it('parses events with ids, skipping comment lines', () => {
    expect(parseServerSentEvents(stream)).toEqual([
      { id: 'm:0:0', event: 'message-start', data: { message_id: 'm' } },
      { id: 'm:1:5', event: 'text-delta', data: { text: 'héllo' } },
      { id: undefined, event: 'message-end', data: { status: 'complete' } },
    ]);
  });

  it('reads the same events whatever the chunk size, multi-byte characters split included', async () => {
    for (const size of [1, 2, 3, 7, 64, 4096]) {
      const events = [];
      for await (const event of readServerSentEvents(chunks(stream, size))) events.push(event);
      expect(events, `chunks of ${size}`).toEqual(parseServerSentEvents(stream));
    }
  });
});
