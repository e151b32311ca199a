import { isRecord } from '../http/json-values.js';
import type { ToolDefinition } from '../provider.js';
import { dropOptionalNulls } from './tool-schema.js';

/** What a grammar-constrained reply (see `toolReplySchema`) means. */
export type ToolReply = { kind: 'call'; name: string; arguments: Record<string, unknown> } | { kind: 'answer'; text: string };

/**
 * Reads a reply the grammar has already shaped, so anything else here is a bug in the grammar
 * or a reply cut short; either way it throws with the text, for the caller to report.
 */
export function readToolReply(value: unknown, tools: readonly ToolDefinition[]): ToolReply {
  if (isRecord(value) && typeof value.answer === 'string') return { kind: 'answer', text: value.answer };
  if (isRecord(value) && typeof value.tool === 'string' && isRecord(value.arguments)) {
    const tool = tools.find((candidate) => candidate.name === value.tool);
    if (tool) return { kind: 'call', name: tool.name, arguments: dropOptionalNulls(value.arguments, tool.parameters) as Record<string, unknown> };
  }
  throw new Error(`the reply is neither a call of an offered tool nor an answer: ${JSON.stringify(value).slice(0, 200)}`);
}

/**
 * Streams the text of an `{"answer": "..."}` reply while it is generated, so a constrained
 * reply reads like any other; a tool call yields nothing. Fed the raw chunks in order, it
 * returns the newly decoded answer text (JSON escapes resolved), holding back an escape
 * sequence or a surrogate pair until it is complete.
 */
export interface AnswerDecoder {
  push(chunk: string): string;
  /** Everything decoded so far. */
  readonly text: string;
}

const ANSWER_START = /^\s*\{\s*"answer"\s*:\s*"/;
const FIRST_KEY = /^\s*\{\s*"(.)/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function createAnswerDecoder(): AnswerDecoder {
  let phase: 'start' | 'answer' | 'other' = 'start';
  let pending = '';
  let decoded = '';
  let heldSurrogate = '';

  function decodeAvailable(): string {
    let out = heldSurrogate;
    heldSurrogate = '';
    let at = 0;
    while (at < pending.length) {
      const character = pending[at] as string;
      if (character === '"') {
        phase = 'other';
        at = pending.length;
        break;
      }
      if (character !== '\\') {
        out += character;
        at += 1;
        continue;
      }
      const kind = pending[at + 1];
      if (kind === undefined) break;
      if (kind === 'u') {
        const hex = pending.slice(at + 2, at + 6);
        if (hex.length < 4) break;
        out += String.fromCharCode(Number.parseInt(hex, 16));
        at += 6;
      } else {
        out += ESCAPES[kind] ?? kind;
        at += 2;
      }
    }
    pending = pending.slice(at);
    const last = out.charCodeAt(out.length - 1);
    if (phase === 'answer' && last >= 0xd800 && last <= 0xdbff) {
      heldSurrogate = out.slice(-1);
      out = out.slice(0, -1);
    }
    return out;
  }

  return {
    push(chunk) {
      if (phase === 'other') return '';
      pending += chunk;
      if (phase === 'start') {
        const start = ANSWER_START.exec(pending);
        if (!start) {
          const key = FIRST_KEY.exec(pending)?.[1];
          if (key !== undefined && key !== 'a') phase = 'other';
          return '';
        }
        phase = 'answer';
        pending = pending.slice(start[0].length);
      }
      const text = decodeAvailable();
      decoded += text;
      return text;
    },
    get text() {
      return decoded;
    },
  };
}
