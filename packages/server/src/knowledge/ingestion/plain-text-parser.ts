/**
 * Plain text to blocks: paragraphs are separated by blank lines; a paragraph whose lines all
 * start with a bullet or a number is a list. Hard-wrapped lines are kept as they are.
 */
import type { ParsedDocument, TextBlock } from './document.js';

const BULLET = /^\s*([-*•‣◦▪–]|\d{1,3}[.)])\s+\S/;

export function parsePlainText(text: string): ParsedDocument {
  const blocks: TextBlock[] = [];
  for (const part of text.split(/\n[ \t\f\v\u00a0]*\n/)) {
    const lines = part
      .split('\n')
      .map((line) => line.replace(/[ \t\f\v]+$/, ''))
      .filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const isList = lines.length > 1 && lines.every((line) => BULLET.test(line));
    blocks.push({ kind: isList ? 'list' : 'paragraph', text: lines.join('\n').replace(/^\s+/, '') });
  }
  return { format: 'txt', title: undefined, blocks };
}
