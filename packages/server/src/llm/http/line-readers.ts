/**
 * Line framing for streamed LLM answers. Network chunks split anywhere, including inside a
 * multi-byte UTF-8 character or between "\r" and "\n", so decoding and splitting keep state
 * across chunks. The framing itself is synchronous (`create*Parser`): a chunk goes in, the
 * complete lines or events it finished come out, so a stream costs one generator, not one
 * per layer. Stopping the iteration early cancels the byte stream, which is what releases
 * the upstream connection.
 */

/** Bytes as a web stream (fetch) or any async iterable of chunks (the upstream client's body). */
export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A synchronous framing step: each chunk yields the items it completed; `end` flushes the rest. */
export interface ChunkParser<T> {
  push(chunk: Uint8Array): T[];
  end(): T[];
}

/** Lines without their "\n" or "\r\n"; a last line without a newline comes out of `end`. */
export function createLineParser(): ChunkParser<string> {
  const decoder = new TextDecoder();
  let pending = '';
  const split = (text: string): string[] => {
    const lines: string[] = [];
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      lines.push(withoutCarriageReturn(text.slice(start, newline)));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    pending = text.slice(start);
    return lines;
  };
  return {
    push: (chunk) => split(pending + decoder.decode(chunk, { stream: true })),
    end() {
      const rest = pending + decoder.decode();
      pending = '';
      return rest.length > 0 ? [withoutCarriageReturn(rest)] : [];
    },
  };
}

/** The non-blank lines of a newline-delimited JSON stream (Ollama). */
export function createNdjsonParser(): ChunkParser<string> {
  const lines = createLineParser();
  const nonBlank = (all: string[]) => all.filter((line) => line.trim() !== '');
  return { push: (chunk) => nonBlank(lines.push(chunk)), end: () => nonBlank(lines.end()) };
}

export interface ServerSentEvent {
  /** "message" unless the server named the event. */
  event: string;
  /** The `data:` lines of the event joined with "\n"; "[DONE]" ends OpenAI-style streams. */
  data: string;
}

/** The sentinel OpenAI-compatible servers send as the last event's data. */
export const SSE_DONE = '[DONE]';

/** Server-sent events (WHATWG event-stream framing); comments and `id:`/`retry:` are skipped. */
export function createServerSentEventParser(): ChunkParser<ServerSentEvent> {
  const lines = createLineParser();
  let event = '';
  let data: string[] = [];
  const frame = (all: string[], events: ServerSentEvent[]): ServerSentEvent[] => {
    for (const line of all) {
      if (line === '') {
        if (data.length > 0) events.push({ event: event || 'message', data: data.join('\n') });
        event = '';
        data = [];
        continue;
      }
      if (line.charCodeAt(0) === 58 /* ':' */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const rawValue = colon === -1 ? '' : line.slice(colon + 1);
      const value = rawValue.charCodeAt(0) === 32 /* ' ' */ ? rawValue.slice(1) : rawValue;
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    return events;
  };
  return {
    push: (chunk) => frame(lines.push(chunk), []),
    end() {
      const events = frame(lines.end(), []);
      // Some servers close right after the last data line without the blank line that ends it.
      if (data.length > 0) events.push({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return events;
    },
  };
}

/** Runs `parser` over a byte stream: one generator for decoding, splitting and framing. */
export async function* parseStream<T>(stream: ByteStream, parser: ChunkParser<T>): AsyncGenerator<T, void, undefined> {
  // A web stream's iterator cancels the stream when the loop is left early, and only then;
  // the upstream client's body releases its request the same way.
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    for (const item of parser.push(chunk)) yield item;
  }
  for (const item of parser.end()) yield item;
}

/** Yields lines without their "\n" or "\r\n"; a last line without a newline is yielded too. */
export function readLines(stream: ByteStream): AsyncGenerator<string, void, undefined> {
  return parseStream(stream, createLineParser());
}

/** Yields the non-blank lines of a newline-delimited JSON stream (Ollama). */
export function readNdjsonLines(stream: ByteStream): AsyncGenerator<string, void, undefined> {
  return parseStream(stream, createNdjsonParser());
}

/** Yields server-sent events (WHATWG event-stream framing); comments and `id:`/`retry:` are skipped. */
export function readServerSentEvents(stream: ByteStream): AsyncGenerator<ServerSentEvent, void, undefined> {
  return parseStream(stream, createServerSentEventParser());
}

function withoutCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 /* '\r' */ ? line.slice(0, -1) : line;
}
