import { describe, expect, it } from 'vitest';
import { createAnswerDecoder, readToolReply } from './tool-reply.js';

function decodeInPieces(raw: string, size: number): string[] {
  const decoder = createAnswerDecoder();
  const out: string[] = [];
  for (let at = 0; at < raw.length; at += size) out.push(decoder.push(raw.slice(at, at + size)));
  expect(decoder.text).toBe(out.join(''));
  return out;
}

describe('answer decoder', () => {
  it('streams the decoded text of an answer, whatever the chunking', () => {
    const answer = 'Line one\nsaid "hi" \\ naïve 世界 🎉 tab\there';
    const raw = `{\n  "answer": ${JSON.stringify(answer).replace('🎉', '\\ud83c\\udf89')}\n}\n\n\n\n`;
    for (const size of [1, 2, 3, 7, raw.length]) expect(decodeInPieces(raw, size).join('')).toBe(answer);
  });

  it('never splits a surrogate pair between two pieces', () => {
    const pieces = decodeInPieces('{"answer": "a\\ud83c\\udf89b"}', 1);
    expect(pieces.every((piece) => !/[\ud800-\udbff]$/.test(piece))).toBe(true);
    expect(pieces.join('')).toBe('a🎉b');
  });

  it('yields nothing for a tool call', () => {
    expect(decodeInPieces('{"tool": "answer", "arguments": {"answer": "no"}}', 1).join('')).toBe('');
  });
});

describe('reading a constrained reply', () => {
  const tools = [{ name: 'get_weather', description: '', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } }];

  it('reads a call of an offered tool, dropping optional nulls', () => {
    expect(readToolReply({ tool: 'get_weather', arguments: { city: 'Paris', unit: null } }, tools)).toEqual({ kind: 'call', name: 'get_weather', arguments: { city: 'Paris' } });
  });

  it('reads an answer', () => {
    expect(readToolReply({ answer: 'Hello' }, tools)).toEqual({ kind: 'answer', text: 'Hello' });
  });

  it('rejects a call of a tool that was not offered', () => {
    expect(() => readToolReply({ tool: 'rm_rf', arguments: {} }, tools)).toThrow(/neither a call of an offered tool nor an answer/);
  });
});
