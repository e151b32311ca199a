/**
 * Cuts a parsed document into chunks for retrieval:
 * - a heading starts a new chunk and goes into `headingPath`; a chunk never ends with a
 *   heading when text follows it (consecutive headings travel together with the text after them);
 * - whole blocks are packed up to `maxChars`; a block too long for one chunk starts a chunk and
 *   is cut at the finest boundary needed: records, then lines for tables; lines for lists and
 *   code; sentences, then words for paragraphs (characters as a last resort);
 * - a chunk cut for size (not at a heading) starts with up to `overlapChars` from the end of the
 *   previous one, from a sentence start when one is in reach, else from a word start;
 * - `chunk.text` is exactly the document's plain text from `start` to `end`, so offsets and
 *   pages point back into the document, and only whitespace between chunks is in none.
 */
import type { Chunk, ChunkingOptions, ParsedDocument, TextBlock } from './document.js';
import { BLOCK_SEPARATOR, documentText } from './document.js';
import { type Span, type SplitLevel, overlapStart, splitSpan, trimSpan } from './text-boundaries.js';

export const DEFAULT_CHUNKING: Readonly<ChunkingOptions> = Object.freeze({ maxChars: 1_200, overlapChars: 150 });

const SPLIT_LEVELS: Record<TextBlock['kind'], readonly SplitLevel[]> = {
  heading: ['words', 'characters'],
  paragraph: ['sentences', 'words', 'characters'],
  list: ['lines', 'sentences', 'words', 'characters'],
  code: ['lines', 'words', 'characters'],
  table: ['records', 'lines', 'words', 'characters'],
};

interface Unit extends Span {
  block: number;
  heading: boolean;
  /** Split levels not applied yet. */
  levels: readonly SplitLevel[];
  /** The whole block, not a piece of it. */
  whole: boolean;
  /** The block's first piece (or the whole block). */
  first: boolean;
}

interface OpenChunk {
  start: number;
  end: number;
  /** Where the chunk's own text starts (after the overlap). */
  ownStart: number;
  /** Where text other than headings starts; overlap never reaches back before it. */
  contentStart: number | undefined;
  headingPath: string[];
}

export function chunkDocument(document: Pick<ParsedDocument, 'blocks'>, options: ChunkingOptions = DEFAULT_CHUNKING): Chunk[] {
  const { maxChars, overlapChars } = validate(options);
  const text = documentText(document);
  const blockStarts = blockOffsets(document.blocks);
  const chunks: Chunk[] = [];
  const headings: Array<{ level: number; text: string }> = [];
  let open: OpenChunk | undefined;

  const close = (): OpenChunk | undefined => {
    const closed = open;
    if (closed) chunks.push(toChunk(chunks.length, closed, text, document.blocks, blockStarts));
    open = undefined;
    return closed;
  };
  const startAfter = (previous: OpenChunk | undefined, unit: Unit): void => {
    let start = unit.start;
    if (previous?.contentStart !== undefined && overlapChars > 0) {
      start = overlapStart(text, previous.contentStart, unit.start - overlapChars, previous.end) ?? unit.start;
    }
    open = { start, end: unit.end, ownStart: unit.start, contentStart: start, headingPath: headings.map((heading) => heading.text) };
  };

  // Units are consumed front to back; splitting one puts its pieces at the front.
  const queue: Unit[] = [];
  document.blocks.forEach((block, index) => {
    const span = trimSpan(text, blockStarts[index]!, blockStarts[index]! + block.text.length);
    if (span) queue.push({ start: span.start, end: span.end, block: index, heading: block.kind === 'heading', levels: SPLIT_LEVELS[block.kind], whole: true, first: true });
  });
  queue.reverse();

  while (queue.length > 0) {
    const unit = queue.pop()!;
    const length = unit.end - unit.start;
    if (length > maxChars) {
      queue.push(...refine(text, unit, maxChars).reverse());
      continue;
    }
    if (unit.heading) {
      const block = document.blocks[unit.block]!;
      if (unit.first) {
        const level = block.level ?? 1;
        while (headings.length > 0 && headings[headings.length - 1]!.level >= level) headings.pop();
        headings.push({ level, text: block.text.replace(/\s+/g, ' ').trim() });
      }
      if (open && open.contentStart === undefined && unit.end - open.ownStart <= maxChars) {
        open.end = unit.end;
        open.headingPath = headings.map((heading) => heading.text);
      } else {
        close();
        open = { start: unit.start, end: unit.end, ownStart: unit.start, contentStart: undefined, headingPath: headings.map((heading) => heading.text) };
      }
      continue;
    }
    const opensSplitBlock = unit.first && !unit.whole;
    if (open && unit.end - open.ownStart <= maxChars && !(opensSplitBlock && open.contentStart !== undefined)) {
      open.end = unit.end;
      open.contentStart ??= unit.start;
      continue;
    }
    if (open && open.contentStart === undefined) {
      // Only headings so far: cut the text to fill the chunk rather than leave the headings alone,
      // down to cutting a word too long for the room left.
      const pieces = refine(text, unit, maxChars);
      const room = maxChars - (unit.start - open.ownStart);
      const cut = pieces.length > 1 ? pieces : room > 0 ? cutAt(text, unit, unit.start + room) : [];
      if (cut.length > 1) {
        queue.push(...cut.reverse());
        continue;
      }
    }
    startAfter(close(), unit);
  }
  close();
  return chunks;
}

/**
 * The unit cut at the first of its remaining split levels that cuts it; the unit itself when
 * none does. Pieces are never longer than `maxChars` once the `characters` level is reached.
 */
function refine(text: string, unit: Unit, maxChars: number): Unit[] {
  const all: readonly SplitLevel[] = unit.levels.length > 0 ? unit.levels : ['characters'];
  for (let next = 0; next < all.length; next++) {
    const pieces = splitSpan(text, unit, all[next]!, maxChars);
    // Pieces share the levels left (never changed, so one array does).
    const levels = all.slice(next + 1);
    if (pieces.length > 1) {
      return pieces.map((piece, index) => pieceOf(unit, piece, levels, index === 0));
    }
  }
  return [pieceOf(unit, unit, [], true)];
}

function pieceOf(unit: Unit, span: Span, levels: readonly SplitLevel[], first: boolean): Unit {
  return { start: span.start, end: span.end, block: unit.block, heading: unit.heading, levels, whole: false, first: unit.first && first };
}

/** The unit as two pieces at `offset` (whitespace at the cut left out); fewer when one would be empty. */
function cutAt(text: string, unit: Unit, offset: number): Unit[] {
  const pieces = [trimSpan(text, unit.start, offset), trimSpan(text, offset, unit.end)].filter((piece): piece is Span => piece !== undefined);
  return pieces.map((piece, index) => pieceOf(unit, piece, ['characters'], index === 0));
}

function toChunk(index: number, open: OpenChunk, text: string, blocks: readonly TextBlock[], blockStarts: number[]): Chunk {
  const chunk: Chunk = { index, text: text.slice(open.start, open.end), headingPath: open.headingPath, start: open.start, end: open.end };
  const first = blocks[blockAt(blockStarts, open.start)]?.page;
  const last = blocks[blockAt(blockStarts, open.end - 1)]?.page;
  if (first !== undefined) chunk.page = first;
  if (last !== undefined && last !== first) chunk.pageEnd = last;
  return chunk;
}

function blockOffsets(blocks: readonly TextBlock[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const block of blocks) {
    starts.push(at);
    at += block.text.length + BLOCK_SEPARATOR.length;
  }
  return starts;
}

/** The index of the block holding `offset` (binary search over block starts). */
function blockAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

function validate(options: ChunkingOptions): ChunkingOptions {
  const { maxChars, overlapChars } = options;
  if (!Number.isInteger(maxChars) || maxChars < 20) throw new RangeError(`maxChars must be an integer of at least 20, not ${maxChars}.`);
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars >= maxChars) {
    throw new RangeError(`overlapChars must be an integer from 0 to maxChars - 1 (${maxChars - 1}), not ${overlapChars}.`);
  }
  return options;
}

/** The text to embed for a chunk: its heading path as context, then its text. */
export function chunkEmbeddingText(chunk: Pick<Chunk, 'headingPath' | 'text'>): string {
  if (chunk.headingPath.length === 0) return chunk.text;
  const path = chunk.headingPath.join(' > ');
  return chunk.text.startsWith(chunk.headingPath[chunk.headingPath.length - 1]!) ? chunk.text : `${path}\n\n${chunk.text}`;
}
