import { describe, expect, it } from 'vitest';
import { readLines, readNdjsonLines, readServerSentEvents, type ServerSentEvent } from './line-readers.js';

const encoder = new TextEncoder();

/** A byte stream delivering `bytes` in the given pieces, recording whether it was cancelled. */
function byteStream(pieces: Uint8Array[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let next = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const piece = pieces[next++];
        if (piece === undefined) controller.close();
        else controller.enqueue(piece);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => cancelled };
}

/** Every way of cutting `text`'s bytes into two pieces, plus one byte at a time. */
function everySplit(text: string): Uint8Array[][] {
  const bytes = encoder.encode(text);
  const splits: Uint8Array[][] = [];
  for (let at = 0; at <= bytes.length; at++) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  splits.push(Array.from(bytes, (byte) => Uint8Array.of(byte)));
  return splits;
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('readLines', () => {
  it('yields the same lines wherever the bytes are split, even inside multi-byte characters and CRLF', async () => {
    const text = 'héllo wörld\r\n世界 🎉👍🏽\n\nlast line without newline';
    for (const pieces of everySplit(text)) {
      expect(await drain(readLines(byteStream(pieces).stream))).toEqual(['héllo wörld', '世界 🎉👍🏽', '', 'last line without newline']);
    }
  });

  it('cancels the byte stream when the consumer stops early', async () => {
    const source = byteStream([encoder.encode('one\ntwo\n'), encoder.encode('three\n')]);
    for await (const line of readLines(source.stream)) {
      if (line === 'one') break;
    }
    expect(source.cancelled()).toBe(true);
  });

  it('does not cancel a stream it read to the end', async () => {
    const source = byteStream([encoder.encode('one\n')]);
    await drain(readLines(source.stream));
    expect(source.cancelled()).toBe(false);
  });

  it('passes on the error of a failing stream after the lines before it', async () => {
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new Error('socket hang up'));
        else controller.enqueue(encoder.encode('complete\npartial'));
        sent = true;
      },
    });
    const lines: string[] = [];
    await expect(
      (async () => {
        for await (const line of readLines(failing)) lines.push(line);
      })(),
    ).rejects.toThrow('socket hang up');
    expect(lines).toEqual(['complete']);
  });
});

describe('readNdjsonLines', () => {
  it('skips blank lines between JSON documents', async () => {
    const source = byteStream([encoder.encode('{"a":1}\n\n  \n{"b":"ü"}\n')]);
    expect(await drain(readNdjsonLines(source.stream))).toEqual(['{"a":1}', '{"b":"ü"}']);
  });
});

describe('readServerSentEvents', () => {
  const wire = ': keep-alive comment\r\n\r\nevent: delta\r\ndata: {"text":"é"}\r\n\r\ndata: line one\ndata:line two\nid: 7\nretry: 100\n\ndata: [DONE]\n\n';
  const expected: ServerSentEvent[] = [
    { event: 'delta', data: '{"text":"é"}' },
    { event: 'message', data: 'line one\nline two' },
    { event: 'message', data: '[DONE]' },
  ];

  it('frames events the same wherever the bytes are split', async () => {
    for (const pieces of everySplit(wire)) {
      expect(await drain(readServerSentEvents(byteStream(pieces).stream))).toEqual(expected);
    }
  });

  it('yields a last event whose terminating blank line never came', async () => {
    const source = byteStream([encoder.encode('data: {"x":1}\n\ndata: [DONE]')]);
    expect((await drain(readServerSentEvents(source.stream))).map((event) => event.data)).toEqual(['{"x":1}', '[DONE]']);
  });

  it('cancels the byte stream when the consumer stops early', async () => {
    const source = byteStream([encoder.encode('data: 1\n\ndata: 2\n\n'), encoder.encode('data: 3\n\n')]);
    for await (const event of readServerSentEvents(source.stream)) {
      if (event.data === '1') break;
    }
    expect(source.cancelled()).toBe(true);
  });
});
