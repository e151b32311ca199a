/**
 * Line framing for streamed LLM answers. Network chunks split anywhere, including inside a
 * multi-byte UTF-8 character or between "\r" and "\n", so decoding and splitting keep state
 * across chunks. Stopping the iteration early cancels the byte stream, which is what
 * releases the upstream connection.
 */

/** Yields lines without their "\n" or "\r\n"; a last line without a newline is yielded too. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      let newline = pending.indexOf('\n', start);
      while (newline !== -1) {
        yield withoutCarriageReturn(pending.slice(start, newline));
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
    finished = true;
    if (pending.length > 0) yield withoutCarriageReturn(pending);
  } finally {
    // After an error or an early return the stream may still be open upstream.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Yields the non-blank lines of a newline-delimited JSON stream (Ollama). */
export async function* readNdjsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  for await (const line of readLines(stream)) {
    if (line.trim() !== '') yield line;
  }
}

export interface ServerSentEvent {
  /** "message" unless the server named the event. */
  event: string;
  /** The `data:` lines of the event joined with "\n"; "[DONE]" ends OpenAI-style streams. */
  data: string;
}

/** The sentinel OpenAI-compatible servers send as the last event's data. */
export const SSE_DONE = '[DONE]';

/** Yields server-sent events (WHATWG event-stream framing); comments and `id:`/`retry:` are skipped. */
export async function* readServerSentEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent, void, undefined> {
  let event = '';
  let data: string[] = [];
  for await (const line of readLines(stream)) {
    if (line === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const rawValue = colon === -1 ? '' : line.slice(colon + 1);
    const value = rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  // Some servers close right after the last data line without the blank line that ends it.
  if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
