/**
 * Where text may be cut: record (blank line), line, sentence and word boundaries, as spans of
 * absolute offsets that start and end on non-whitespace, so the whitespace between two
 * spans is the only text neither holds.
 */

export interface Span {
  start: number;
  end: number;
}

export type SplitLevel = 'records' | 'lines' | 'sentences' | 'words' | 'characters';

/**
 * A sentence ends at . ! ? … (closing quotes and brackets allowed) followed by whitespace
 * and something other than a lower-case letter, unless the word ending there is a common
 * abbreviation or an initial; CJK full stops end one without a space; a line break always
 * does. (Intl.Segmenter is about a microsecond per character: too slow for this.)
 */
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s)|[。！？]+["'”’」』)]*|\n/g;
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'no', 'fig', 'cf', 'approx', 'inc', 'ltd', 'jr', 'sr', 'co']);

/** Offsets in (start, end) where a sentence starts (whitespace before it skipped). */
export function sentenceStarts(text: string, start: number, end: number): number[] {
  const region = text.slice(start, end);
  const starts: number[] = [];
  for (const match of region.matchAll(SENTENCE_END)) {
    let next = match.index + match[0].length;
    while (next < region.length && isSpace(region[next])) next++;
    if (next >= region.length) break;
    if (match[0] !== '\n' && /[.!?…]/.test(match[0][0]!) && !endsSentence(region, match.index, next)) continue;
    if (starts[starts.length - 1] !== start + next) starts.push(start + next);
  }
  return starts;
}

function endsSentence(region: string, punctuation: number, next: number): boolean {
  if (/\p{Ll}/u.test(region[next]!)) return false;
  if (region[punctuation] !== '.') return true;
  let wordStart = punctuation;
  while (wordStart > 0 && !isSpace(region[wordStart - 1])) wordStart--;
  const word = region.slice(wordStart, punctuation).replace(/^["'“‘(\[]+/, '').toLowerCase();
  return !(ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word));
}

export function isSpace(character: string | undefined): boolean {
  return character !== undefined && /\s/.test(character);
}

/** The part of [start, end) without leading and trailing whitespace; undefined when all of it is whitespace. */
export function trimSpan(text: string, start: number, end: number): Span | undefined {
  while (start < end && isSpace(text[start])) start++;
  while (end > start && isSpace(text[end - 1])) end--;
  return start < end ? { start, end } : undefined;
}

/** Spans of `text[start, end)` at one level; `size` is the piece size for `characters`. */
export function splitSpan(text: string, span: Span, level: SplitLevel, size: number): Span[] {
  const pieces: Span[] = [];
  const push = (start: number, end: number): void => {
    const trimmed = trimSpan(text, start, end);
    if (trimmed) pieces.push(trimmed);
  };
  if (level === 'records' || level === 'lines') {
    const slice = text.slice(span.start, span.end);
    const separator = level === 'records' ? /\n[^\S\n]*\n\s*/g : /\n/g;
    let from = 0;
    for (const match of slice.matchAll(separator)) {
      push(span.start + from, span.start + match.index);
      from = match.index + match[0].length;
    }
    push(span.start + from, span.end);
  } else if (level === 'sentences') {
    let from = span.start;
    for (const next of sentenceStarts(text, span.start, span.end)) {
      push(from, next);
      from = next;
    }
    push(from, span.end);
  } else if (level === 'words') {
    for (const match of text.slice(span.start, span.end).matchAll(/\S+/g)) push(span.start + match.index, span.start + match.index + match[0].length);
  } else {
    let at = span.start;
    while (at < span.end) {
      let end = Math.min(span.end, at + size);
      // Never between the two halves of a surrogate pair.
      if (end < span.end && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
      push(at, end);
      at = end;
    }
  }
  return pieces;
}

/**
 * Where an overlap repeating the end of the text [floor, end) may begin: the earliest
 * sentence start at or after `windowStart`, else the earliest word start; `floor` itself
 * counts as both when whitespace precedes it. Undefined when there is none.
 */
export function overlapStart(text: string, floor: number, windowStart: number, end: number): number | undefined {
  const lowest = Math.max(floor, windowStart);
  if (lowest >= end) return undefined;
  // The floor is a boundary unless it is where a word too long for a chunk was cut.
  const floorIsBoundary = floor === 0 || isSpace(text[floor - 1]);
  if (floor >= windowStart && floorIsBoundary && !isSpace(text[floor])) return floor;
  // Sentences are found from a little earlier, so the first one found is a whole one.
  for (const at of sentenceStarts(text, Math.max(floor, lowest - 400), end)) if (at >= lowest) return at;
  for (let at = lowest; at < end; at++) {
    if (((at === floor && floorIsBoundary) || isSpace(text[at - 1])) && !isSpace(text[at])) return at;
  }
  return undefined;
}
