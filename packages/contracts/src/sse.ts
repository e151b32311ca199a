/**
 * Reading SutazAI's server-sent event streams (chat, model pulls): one parser for every
 * client, the CLI, the tests and the web UI, so they read the stream the same way.
 */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

/** Parses one or more complete event blocks; comment lines (keep-alives) are skipped. */
export function parseServerSentEvents(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event && data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
  }
  return events;
}

/** The events of a streamed response body as they arrive, whatever the chunking. */
export async function* readServerSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    const end = buffer.lastIndexOf('\n\n');
    if (end < 0) continue;
    const complete = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    yield* parseServerSentEvents(complete);
  }
}
