import { setTimeout as sleep } from 'node:timers/promises';
import type { ExchangeContext } from './scripted-http-server.js';
import { scriptedFinishReason, type ScriptedFault, type ScriptedFinishReason, type ScriptedReply, type ScriptedToolCall, type ScriptedUsage } from './test-server-script.js';

/** How one API frames a streamed chat answer. */
export interface StreamFraming {
  contentType: string;
  /** Frames before the first token, e.g. OpenAI's role-only chunk. */
  opening(): string[];
  token(text: string): string;
  /** Frames carrying the tool calls, as the server streams them. */
  toolCalls(calls: ScriptedToolCall[]): string[];
  /** Frames that end a complete answer: finish chunk, usage, [DONE]. */
  closing(finishReason: ScriptedFinishReason, usage: ScriptedUsage): string[];
  /** A default broken frame for the 'malformed' fault. */
  garbage: string;
  /** The API's own error body for an HTTP error. */
  errorBody(status: number, message: string): string;
}

/** Long enough for the client to read what was sent before the socket goes. */
const CUT_AFTER_MS = 50;
/** Long enough for the two halves of a split chunk to arrive as separate reads. */
const SPLIT_PAUSE_MS = 5;

/** Streams `reply` in `framing`, playing its fault at the point it belongs. */
export async function streamScriptedReply(context: ExchangeContext, reply: ScriptedReply, framing: StreamFraming, usage: ScriptedUsage): Promise<void> {
  const { response } = context;
  const fault = reply.fault;
  if (fault?.type === 'http-error' || fault?.type === 'hang') {
    answerFault(context, fault, framing.errorBody);
    return;
  }
  response.writeHead(200, { 'content-type': framing.contentType, 'cache-control': 'no-cache' });
  response.flushHeaders();
  const send = async (frame: string): Promise<void> => {
    if (context.isGone()) return;
    if (!reply.splitInsideCharacters) {
      response.write(frame);
      return;
    }
    const bytes = Buffer.from(frame, 'utf8');
    const at = splitPoint(bytes);
    response.write(bytes.subarray(0, at));
    await sleep(SPLIT_PAUSE_MS);
    if (!context.isGone()) response.write(bytes.subarray(at));
  };

  for (const frame of framing.opening()) await send(frame);
  for (const [index, token] of reply.tokens.entries()) {
    if (index > 0 && reply.delayMs) await sleep(reply.delayMs);
    await send(framing.token(token));
  }
  if (reply.toolCalls?.length) {
    for (const frame of framing.toolCalls(reply.toolCalls)) {
      if (reply.delayMs) await sleep(reply.delayMs);
      await send(frame);
    }
  }
  if (fault?.type === 'stall' || context.isGone()) return;
  if (fault?.type === 'cut') {
    await sleep(Math.max(CUT_AFTER_MS, reply.delayMs ?? 0));
    context.cutByServer();
    response.socket?.destroy();
    return;
  }
  if (fault?.type === 'malformed') {
    if (reply.delayMs) await sleep(reply.delayMs);
    await send(fault.chunk ?? framing.garbage);
  }
  for (const frame of framing.closing(scriptedFinishReason(reply), usage)) await send(frame);
  if (!context.isGone()) response.end();
}

/** Plays a fault on an endpoint whose answer is one JSON document. */
export function answerFault(context: ExchangeContext, fault: ScriptedFault, errorBody: (status: number, message: string) => string): void {
  const { response } = context;
  switch (fault.type) {
    case 'http-error':
      response.writeHead(fault.status, { 'content-type': fault.body === undefined || looksLikeJson(fault.body) ? 'application/json' : 'text/plain' });
      response.end(fault.body ?? errorBody(fault.status, fault.message ?? 'scripted failure'));
      return;
    case 'hang':
      return;
    case 'stall':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      return;
    case 'malformed':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(fault.chunk ?? '{"data": [');
      return;
    case 'cut':
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"data": [', () => {
        context.cutByServer();
        response.socket?.destroy();
      });
      return;
  }
}

export function sendJson(context: ExchangeContext, status: number, body: unknown): void {
  context.response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  context.response.end(JSON.stringify(body));
}

/** Just after the lead byte of the first multi-byte character, or the middle without one. */
function splitPoint(bytes: Buffer): number {
  const lead = bytes.findIndex((byte) => byte >= 0xc0);
  return lead === -1 ? Math.floor(bytes.length / 2) : lead + 1;
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
