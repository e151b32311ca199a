/**
 * Crash safety with the real model: a reply being streamed when the server dies (SIGKILL) or
 * is stopped (SIGTERM) is found `interrupted` after a restart on the same DATA_DIR, never
 * `generating`, with the text that was saved or delivered.
 *
 * The tiny model makes ~200 tokens/s here, so 2000 tokens last ~10 s: long enough to read
 * for a few seconds and then kill the server mid-stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConversation, makeWorkspace, readSse, runCli, startServer, stopAllServers, type ExitResult, type ServerProcess, type SseEvent, type Workspace } from './support/server-process.js';

const MAX_TOKENS = 2000;
/** How long the client reads text before the server is killed: well over one save interval (1 s). */
const READ_BEFORE_KILL_MS = 2000;
/** Progress is saved every second: text the client had this long before a crash must be stored. */
const SAVED_WITHIN_MS = 1500;
/** How long the client reads text before a graceful stop. */
const READ_BEFORE_TERM_MS = 1000;

let workspace: Workspace;
let env: Record<string, string>;
const servers: ServerProcess[] = [];

async function start(): Promise<ServerProcess> {
  const server = await startServer({ env });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  workspace = await makeWorkspace({ realModel: true });
  env = { ...workspace.env, LLAMA_CONTEXT_SIZE: '4096', STREAM_RESUME_WINDOW_MS: '10000' };
});

afterAll(async () => {
  for (const server of servers) await server.stop('SIGKILL');
  await stopAllServers();
  workspace?.remove();
});

interface LiveStream {
  messageId: string;
  /** Text received so far. */
  text: () => string;
  /** (time, text received by then) after each text-delta. */
  snapshots: { at: number; text: string }[];
  events: SseEvent[];
  /** Reads until `ms` after the first text-delta; fails if the reply ends before. */
  readFor(ms: number): Promise<void>;
  /** Reads to the end of the stream (or until the connection breaks). */
  readToEnd(): Promise<{ broken: unknown }>;
  abort(): void;
}

async function openStream(url: string, sessionId: string): Promise<LiveStream> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message: 'Once upon a time', session_id: sessionId, max_tokens: MAX_TOKENS }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const events: SseEvent[] = [];
  const snapshots: { at: number; text: string }[] = [];
  let text = '';
  const iterator = readSse(response)[Symbol.asyncIterator]();
  const next = async (): Promise<SseEvent | undefined> => {
    const item = await iterator.next();
    if (item.done) return undefined;
    events.push(item.value);
    if (item.value.event === 'text-delta') {
      text += String(item.value.data.text);
      snapshots.push({ at: Date.now(), text });
    }
    return item.value;
  };
  const first = await next();
  expect(first?.event).toBe('message-start');
  return {
    messageId: String(first!.data.message_id),
    text: () => text,
    snapshots,
    events,
    async readFor(ms) {
      let firstDeltaAt: number | undefined;
      while (firstDeltaAt === undefined || Date.now() - firstDeltaAt < ms) {
        const event = await next();
        if (!event || event.event === 'message-end' || event.event === 'error') {
          throw new Error(`The stream ended before the server could be stopped (after ${text.length} characters; last event ${JSON.stringify(event)}): the model is too fast for MAX_TOKENS=${MAX_TOKENS}.`);
        }
        if (event.event === 'text-delta') firstDeltaAt ??= Date.now();
      }
    },
    async readToEnd() {
      try {
        while (await next()) {
          // collects events
        }
        return { broken: undefined };
      } catch (error) {
        return { broken: error };
      }
    },
    abort: () => controller.abort(),
  };
}

/** Either is a prefix of the other: the stored text and the delivered text never disagree. */
function expectPrefixConsistent(stored: string, delivered: string) {
  const consistent = stored.startsWith(delivered) || delivered.startsWith(stored);
  expect(consistent, `stored ${JSON.stringify(stored.slice(0, 200))}... (${stored.length} chars) vs delivered ${JSON.stringify(delivered.slice(0, 200))}... (${delivered.length} chars)`).toBe(true);
}

describe('crash safety with the real model', () => {
  /** The server started after the SIGKILL, and the one started after the SIGTERM. */
  let restarted: ServerProcess | undefined;
  let third: ServerProcess | undefined;

  it('SIGKILL mid-stream: after a restart the reply is interrupted, holding the text saved before the crash', async () => {
    const first = await start();
    const session = 'e2e-crash-sigkill';
    const stream = await openStream(first.url, session);
    await stream.readFor(READ_BEFORE_KILL_MS);
    const killedAt = Date.now();
    const delivered = stream.text();
    expect(delivered.length).toBeGreaterThan(0);
    const exit = await first.stop('SIGKILL');
    stream.abort();
    expect(exit.signal).toBe('SIGKILL');

    restarted = await start();
    const conversation = await getConversation(restarted.url, session);
    expect(conversation.messages).toHaveLength(2);
    const [user, assistant] = conversation.messages;
    expect(user).toMatchObject({ role: 'user', content: 'Once upon a time', status: 'complete' });
    expect(assistant!.id).toBe(stream.messageId);
    expect(assistant!.role).toBe('assistant');
    expect(assistant!.status).toBe('interrupted');
    expect(assistant!.error_code).toBe('GENERATION_STOPPED');
    expect(assistant!.content.length, 'nothing was saved although the client read for more than a save interval').toBeGreaterThan(0);
    expectPrefixConsistent(assistant!.content, delivered);
    // Everything the client had SAVED_WITHIN_MS before the kill was saved.
    const older = stream.snapshots.filter((s) => s.at <= killedAt - SAVED_WITHIN_MS).at(-1);
    expect(older, 'the client read no text early enough').toBeDefined();
    expect(assistant!.content.startsWith(older!.text), `stored ${assistant!.content.length} chars; the client had ${older!.text.length} chars ${SAVED_WITHIN_MS} ms before the kill`).toBe(true);

    // The stored reply is what a client resuming the stream gets: rebuilt from storage, ending as interrupted.
    const replay = await fetch(`${restarted.url}/api/v1/chat/stream/${stream.messageId}`);
    expect(replay.status).toBe(200);
    const replayed: SseEvent[] = [];
    for await (const event of readSse(replay)) replayed.push(event);
    expect(replayed.filter((e) => e.event === 'text-delta').map((e) => e.data.text).join('')).toBe(assistant!.content);
    expect(replayed.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted' } });
  });

  it('the restarted server logs that it marked the reply left generating as interrupted', () => {
    expect(restarted, 'the SIGKILL test did not get as far as the restart').toBeDefined();
    const recovery = restarted!.logs().find((entry) => String(entry.msg).includes('marked interrupted'));
    expect(recovery, `no recovery warning in the restarted server's log:\n${restarted!.output()}`).toMatchObject({ level: 40, recovered: 1 });
  });

  describe('SIGTERM mid-stream (graceful shutdown)', () => {
    let stream: LiveStream;
    let exit: ExitResult;
    let shutdownMs: number;
    let broken: unknown;

    beforeAll(async () => {
      const server = restarted ?? (await start());
      stream = await openStream(server.url, 'e2e-crash-sigterm');
      await stream.readFor(READ_BEFORE_TERM_MS);
      const stoppedAt = Date.now();
      const stopping = server.stop('SIGTERM', 15_000);
      ({ broken } = await stream.readToEnd());
      exit = await stopping;
      shutdownMs = Date.now() - stoppedAt;
      third = await start();
    });

    it('the process shuts down by itself with exit code 0 (not killed by the signal)', () => {
      expect(exit, `exit ${JSON.stringify(exit)}; a process killed by SIGTERM skipped the graceful shutdown`).toEqual({ code: 0, signal: null });
      expect(shutdownMs).toBeLessThan(10_000);
    });

    it('the client receives every delta and a final message-end with status interrupted', () => {
      const last = stream.events.at(-1);
      expect(broken, 'the connection broke before the stream ended').toBeUndefined();
      expect(last?.event, `last event: ${JSON.stringify(last)}`).toBe('message-end');
      expect(last?.data).toMatchObject({ message_id: stream.messageId, status: 'interrupted', finish_reason: 'stopped' });
      const usage = last?.data.usage as { completion_tokens: number };
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeLessThan(MAX_TOKENS);
      // The final event id carries the full length of the delivered text.
      expect(last?.id).toBe(`${stream.messageId}:${stream.events.length - 1}:${stream.text().length}`);
    });

    it('after a restart the reply is stored as interrupted with exactly the delivered text', async () => {
      const conversation = await getConversation(third!.url, 'e2e-crash-sigterm');
      const assistant = conversation.messages.find((m) => m.id === stream.messageId);
      expect(assistant?.status).toBe('interrupted');
      expect(assistant?.error_code).toBe('GENERATION_STOPPED');
      expect(stream.text().length).toBeGreaterThan(0);
      expectPrefixConsistent(assistant!.content, stream.text());
      expect(assistant!.content.length, 'stored vs delivered length').toBe(stream.text().length);
      expect(assistant!.content).toBe(stream.text());
    });
  });

  describe('a second `serve` on the same DATA_DIR', () => {
    it('refuses to start, naming the running process, without touching its live reply', async () => {
      const server = third ?? (await start());
      const live = await openStream(server.url, 'e2e-second-serve');
      await live.readFor(500);
      // Another port: only the database lock can stop it.
      const second = await runCli(['serve'], { env: { ...env, PORT: '0' }, timeoutMs: 20_000 });
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/is in use by another SutazAI process \(pid \d+\)/);

      const during = await getConversation(server.url, 'e2e-second-serve');
      const statusDuring = during.messages.find((m) => m.id === live.messageId)?.status;

      const stop = await fetch(`${server.url}/api/v1/chat/stream/${live.messageId}/stop`, { method: 'POST' });
      expect(stop.status).toBe(202);
      await live.readToEnd();
      expect(live.events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'interrupted', finish_reason: 'stopped' } });
      const stored = (await getConversation(server.url, 'e2e-second-serve')).messages.find((m) => m.id === live.messageId);
      expect(stored).toMatchObject({ status: 'interrupted', content: live.text() });

      expect(statusDuring, 'the failed second process marked a reply another process is generating as interrupted').toBe('generating');
    });
  });
});
