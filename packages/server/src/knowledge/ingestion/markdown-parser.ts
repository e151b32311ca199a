/**
 * Markdown to structured blocks: ATX (`#`) and setext headings, paragraphs, lists (one item
 * per line, continuation lines joined), fenced and indented code, tables (delimiter row
 * dropped, `cell | cell` rows), block quotes as paragraphs. YAML front matter is dropped; its
 * `title:` becomes the title, else the first level-1 heading does.
 */
import type { ParsedDocument, TextBlock } from './document.js';
import { markdownInlineToText } from './markdown-inline.js';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S+/;

export function parseMarkdown(text: string): ParsedDocument {
  const lines = text.split('\n');
  const blocks: TextBlock[] = [];
  let title: string | undefined;
  let i = 0;

  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (end > 0) {
      const titleLine = lines.slice(1, end).find((line) => /^title\s*:/i.test(line));
      if (titleLine) title = titleLine.replace(/^title\s*:\s*/i, '').replace(/^(["'])(.*)\1$/, '$2').trim() || undefined;
      i = end + 1;
    }
  }

  let paragraph: string[] = [];
  const endParagraph = (): void => {
    const joined = paragraph.map((line) => line.trim()).join(' ');
    paragraph = [];
    const cleaned = markdownInlineToText(joined).replace(/[ \t]+/g, ' ').trim();
    if (cleaned) blocks.push({ kind: 'paragraph', text: cleaned });
  };
  const pushHeading = (raw: string, level: number): void => {
    const heading = markdownInlineToText(raw).replace(/\s+/g, ' ').trim();
    if (!heading) return;
    blocks.push({ kind: 'heading', text: heading, level });
    if (level === 1) title ??= heading;
  };

  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      endParagraph();
      i++;
      continue;
    }
    if (paragraph.length > 0 && SETEXT.test(line)) {
      const level = line.trim()[0] === '=' ? 1 : 2;
      const raw = paragraph.join(' ');
      paragraph = [];
      pushHeading(raw, level);
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && !(fence[2]![0] === '`' && fence[3]!.includes('`'))) {
      endParagraph();
      const marker = fence[2]!;
      const indent = fence[1]!.length;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(lines[i]!);
        if (closing && closing[1]![0] === marker[0] && closing[1]!.length >= marker.length) break;
        body.push(stripIndent(lines[i]!, indent));
        i++;
      }
      i++;
      const code = body.join('\n').replace(/\s+$/, '');
      if (code.trim()) blocks.push({ kind: 'code', text: code });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      endParagraph();
      pushHeading(atx[2] ?? '', atx[1]!.length);
      i++;
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      endParagraph();
      i++;
      continue;
    }
    if (paragraph.length === 0 && /^( {4}|\t)/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]!) || lines[i]!.trim() === '')) body.push(lines[i++]!.replace(/^( {4}|\t)/, ''));
      const code = body.join('\n').replace(/\s+$/, '');
      if (code.trim()) blocks.push({ kind: 'code', text: code });
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]!) && lines[i + 1]!.includes('|')) {
      endParagraph();
      const rows = [tableRow(line)];
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|')) rows.push(tableRow(lines[i++]!));
      blocks.push({ kind: 'table', text: rows.join('\n') });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    // Only a bullet or "1." may interrupt a paragraph, so "2024. was a year" wrapped to a line start is not a list.
    if (item && (paragraph.length === 0 || (item[4] && (/^[-*+]$/.test(item[2]!) || /^1[.)]$/.test(item[2]!))))) {
      endParagraph();
      i = readList(lines, i, blocks);
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      endParagraph();
      const body: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '') {
        const inner = QUOTE.exec(lines[i]!);
        body.push(inner ? inner[1]! : lines[i]!);
        i++;
      }
      // A quote holds any Markdown; its blocks stand on their own here.
      blocks.push(...parseMarkdown(body.join('\n')).blocks);
      continue;
    }
    if (paragraph.length === 0 && REFERENCE_DEFINITION.test(line)) {
      i++;
      continue;
    }
    paragraph.push(line);
    i++;
  }
  endParagraph();
  return { format: 'md', title, blocks };
}

/** Reads a list starting at line `start`; returns the index after it. */
function readList(lines: string[], start: number, blocks: TextBlock[]): number {
  const items: string[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const item = LIST_ITEM.exec(line);
    if (item) {
      const depth = Math.floor(item[1]!.length / 2);
      const marker = /^\d/.test(item[2]!) ? item[2]!.replace(')', '.') : '-';
      const body = (item[4] ?? '').replace(/^\[( |x|X)\]\s+/, (_whole, mark: string) => (mark === ' ' ? '[ ] ' : '[x] '));
      items.push(`${'  '.repeat(depth)}${marker} ${body.trim()}`);
      i++;
      continue;
    }
    if (line.trim() === '') {
      // A blank line ends the list unless an item or an indented continuation follows.
      let next = i + 1;
      while (next < lines.length && lines[next]!.trim() === '') next++;
      if (next < lines.length && (LIST_ITEM.exec(lines[next]!) || /^( {2,}|\t)/.test(lines[next]!))) {
        i = next;
        continue;
      }
      break;
    }
    if (/^( {2,}|\t)/.test(line) || !(ATX.test(line) || FENCE.test(line) || THEMATIC_BREAK.test(line) || QUOTE.test(line))) {
      // A continuation line (indented, or lazy).
      if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
      i++;
      continue;
    }
    break;
  }
  const text = items
    .map((item) => {
      const indent = /^ */.exec(item)![0];
      return indent + markdownInlineToText(item.slice(indent.length)).replace(/[ \t]+/g, ' ').trimEnd();
    })
    .filter((item) => item.trim() !== '' && !/^\s*(-|\d+\.)$/.test(item))
    .join('\n');
  if (text) blocks.push({ kind: 'list', text });
  return i;
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => markdownInlineToText(cell.trim().replace(/\\\|/g, '|')))
    .join(' | ');
}

function stripIndent(line: string, indent: number): string {
  let n = 0;
  while (n < indent && line[n] === ' ') n++;
  return line.slice(n);
}
