import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { chunkDocument, chunkEmbeddingText } from './chunk-document.js';
import { type Chunk, type ChunkingOptions, type ParsedDocument, type TextBlock, BLOCK_SEPARATOR, documentText } from './document.js';
import { seededRandom as random } from '../../test-support/seeded-random.mjs';

const WORDS = 'mill river slate quay harbour engine wagon station valley quarry kestrel lantern ledger copper'.split(' ');

function generateDocument(seed: number): ParsedDocument {
  const next = random(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const int = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  const sentence = (): string => {
    const shape = next();
    if (shape < 0.05) return 'x'.repeat(int(50, 900)); // one enormous "word"
    if (shape < 0.1) return Array.from({ length: int(30, 120) }, () => pick(WORDS)).join(' '); // no full stop
    const words = Array.from({ length: int(3, 25) }, () => pick(WORDS));
    words[0] = words[0]![0]!.toUpperCase() + words[0]!.slice(1);
    return `${words.join(' ')}${pick(['.', '.', '?', '!', '…'])}`;
  };
  const blocks: TextBlock[] = [];
  let page = 1;
  for (let n = int(0, 40); n > 0; n--) {
    if (next() < 0.1) page++;
    const kind = pick(['heading', 'paragraph', 'paragraph', 'paragraph', 'list', 'table', 'code'] as const);
    let block: TextBlock;
    if (kind === 'heading') block = { kind, text: `${pick(WORDS)} ${pick(WORDS)}`, level: int(1, 4) };
    else if (kind === 'paragraph') block = { kind, text: Array.from({ length: int(1, 14) }, sentence).join(pick([' ', '  ', '\n'])) };
    else if (kind === 'list') block = { kind, text: Array.from({ length: int(1, 20) }, () => `- ${sentence()}`).join('\n') };
    else if (kind === 'table') block = { kind, text: Array.from({ length: int(1, 12) }, () => `name: ${pick(WORDS)}\nnote: ${sentence()}`).join('\n\n') };
    else block = { kind, text: Array.from({ length: int(1, 30) }, () => `${' '.repeat(int(0, 8))}${pick(WORDS)}(${int(0, 99)});`).join('\n') };
    if (seed % 3 === 0) block.page = page;
    blocks.push(block);
  }
  return { format: 'md', title: undefined, blocks };
}

interface Placed {
  block: TextBlock;
  start: number;
  end: number;
}

function place(document: ParsedDocument): Placed[] {
  let at = 0;
  return document.blocks.map((block) => {
    const placed = { block, start: at, end: at + block.text.length };
    at = placed.end + BLOCK_SEPARATOR.length;
    return placed;
  });
}

/** The heading path in force at `offset`: every heading that starts at or before it. */
function headingPathAt(placed: Placed[], offset: number): string[] {
  const stack: Array<{ level: number; text: string }> = [];
  for (const { block, start } of placed) {
    if (start > offset) break;
    if (block.kind !== 'heading') continue;
    while (stack.length > 0 && stack[stack.length - 1]!.level >= block.level!) stack.pop();
    stack.push({ level: block.level!, text: block.text });
  }
  return stack.map((heading) => heading.text);
}

function checkInvariants(document: ParsedDocument, options: ChunkingOptions, chunks: Chunk[]): void {
  const text = documentText(document);
  const placed = place(document);
  const blockAt = (offset: number): Placed => [...placed].reverse().find((entry) => entry.start <= offset)!;
  let covered = 0;
  chunks.forEach((chunk, index) => {
    assert.equal(chunk.index, index);
    assert.equal(chunk.text, text.slice(chunk.start, chunk.end));
    assert.equal(chunk.text.trim(), chunk.text);
    assert.ok(chunk.text.length <= options.maxChars + options.overlapChars, `chunk ${index} has ${chunk.text.length} characters`);
    // Whatever no chunk holds is whitespace.
    assert.equal(text.slice(covered, chunk.start).trim(), '', `text before chunk ${index} is in no chunk`);
    covered = Math.max(covered, chunk.end);
    assert.deepEqual(chunk.headingPath, headingPathAt(placed, chunk.end - 1));
    assert.equal(chunk.page, blockAt(chunk.start).block.page);
    const lastPage = blockAt(chunk.end - 1).block.page;
    assert.equal(chunk.pageEnd, lastPage === chunk.page ? undefined : lastPage);

    const previous = chunks[index - 1];
    if (previous) {
      assert.ok(chunk.start >= previous.start, 'starts in order');
      assert.ok(chunk.end > previous.end, 'ends in order');
      if (chunk.start < previous.end) {
        // An overlap: within the section, from a word start, at most overlapChars before the new text.
        assert.deepEqual(chunk.headingPath, previous.headingPath);
        assert.ok(previous.end - chunk.start <= options.overlapChars, 'overlap within overlapChars');
        assert.ok(/\s/.test(text[chunk.start - 1] ?? ' '), `overlap starts mid-word: ${JSON.stringify(text.slice(chunk.start - 20, chunk.start + 20))}`);
        assert.notEqual(blockAt(chunk.start).block.kind, 'heading');
      }
    }
  });
  assert.equal(text.slice(covered).trim(), '', 'the end is in no chunk');

  for (const [position, entry] of placed.entries()) {
    const holding = chunks.filter((chunk) => chunk.start <= entry.start && entry.start < chunk.end);
    if (entry.block.kind === 'heading' && entry.block.text.trim()) {
      // A heading opens its chunk: only headings come before it there.
      assert.equal(holding.length, 1, 'a heading is in one chunk');
      const before = text.slice(holding[0]!.start, entry.start);
      const earlierHeadings = placed.filter((other) => other.start >= holding[0]!.start && other.start < entry.start);
      assert.ok(earlierHeadings.every((other) => other.block.kind === 'heading'), 'only headings before a heading in its chunk');
      assert.equal(before.length, earlierHeadings.reduce((total, other) => total + other.block.text.length + BLOCK_SEPARATOR.length, 0));
    }
    if (entry.block.kind === 'paragraph' && entry.block.text.trim().length <= options.maxChars && placed[position - 1]?.block.kind !== 'heading') {
      // A paragraph that fits in a chunk is never cut (unless it fills the chunk of the heading above it).
      const start = entry.start + (entry.block.text.length - entry.block.text.trimStart().length);
      const end = entry.start + entry.block.text.trimEnd().length;
      assert.ok(chunks.some((chunk) => chunk.start <= start && end <= chunk.end), `paragraph ${position} was cut`);
    }
  }
  // No chunk ends with a heading while text follows.
  const lastText = [...placed].reverse().find((entry) => entry.block.text.trim() !== '');
  for (const chunk of chunks) {
    const last = blockAt(chunk.end - 1);
    if (last.block.kind === 'heading') assert.equal(last, lastText, `chunk ${chunk.index} ends with a heading`);
  }
}

describe('chunkDocument', () => {
  it('keeps its promises on 400 generated documents (coverage, sizes, order, offsets, headings, pages, overlap)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const document = generateDocument(seed);
      const next = random(seed * 7919);
      const maxChars = 40 + Math.floor(next() * 700);
      const overlapChars = Math.floor(next() * (maxChars / 2));
      const options = { maxChars, overlapChars };
      const chunks = chunkDocument(document, options);
      try {
        checkInvariants(document, options, chunks);
      } catch (error) {
        throw new Error(`seed ${seed}, ${JSON.stringify(options)}: ${(error as Error).message}`, { cause: error });
      }
      assert.deepEqual(chunkDocument(structuredClone(document), options), chunks);
    }
  });

  it('starts a chunk at each heading, carries the heading path, and keeps consecutive headings with their text', () => {
    const document: ParsedDocument = {
      format: 'md',
      title: undefined,
      blocks: [
        { kind: 'heading', text: 'Installation', level: 1 },
        { kind: 'heading', text: 'Linux', level: 2 },
        { kind: 'paragraph', text: 'Download the archive.' },
        { kind: 'heading', text: 'Windows', level: 2 },
        { kind: 'paragraph', text: 'Run the installer.' },
        { kind: 'heading', text: 'Usage', level: 1 },
        { kind: 'paragraph', text: 'Type kestrel.' },
      ],
    };
    expect(chunkDocument(document, { maxChars: 500, overlapChars: 50 }).map(({ text, headingPath }) => ({ text, headingPath }))).toEqual([
      { text: 'Installation\n\nLinux\n\nDownload the archive.', headingPath: ['Installation', 'Linux'] },
      { text: 'Windows\n\nRun the installer.', headingPath: ['Installation', 'Windows'] },
      { text: 'Usage\n\nType kestrel.', headingPath: ['Usage'] },
    ]);
  });

  it('cuts a long paragraph at sentences and repeats the last sentence that fits in the overlap', () => {
    const sentences = ['The mill opened in 1841.', 'It ground oats for the valley.', 'A flood stopped it in 1852.', 'It was rebuilt in stone.'];
    const document: ParsedDocument = { format: 'txt', title: undefined, blocks: [{ kind: 'paragraph', text: sentences.join(' ') }] };
    const chunks = chunkDocument(document, { maxChars: 45, overlapChars: 31 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      'The mill opened in 1841.',
      'The mill opened in 1841. It ground oats for the valley.',
      'It ground oats for the valley. A flood stopped it in 1852.',
      'A flood stopped it in 1852. It was rebuilt in stone.',
    ]);
    // Without room for a whole sentence, the overlap starts at a word.
    expect(chunkDocument(document, { maxChars: 45, overlapChars: 12 }).map((chunk) => chunk.text)).toEqual([
      'The mill opened in 1841.',
      'in 1841. It ground oats for the valley.',
      'the valley. A flood stopped it in 1852.',
      'it in 1852. It was rebuilt in stone.',
    ]);
  });

  it('cuts tables between records and code between lines, and keeps pages', () => {
    const records = Array.from({ length: 6 }, (_, n) => `name: wagon ${n}\nload: slate`).join('\n\n');
    const document: ParsedDocument = {
      format: 'csv',
      title: undefined,
      blocks: [
        { kind: 'table', text: records, page: 1 },
        { kind: 'code', text: 'load();\n  haul();\n  unload();', page: 2 },
      ],
    };
    const chunks = chunkDocument(document, { maxChars: 60, overlapChars: 0 });
    expect(chunks.map((chunk) => [chunk.text, chunk.page, chunk.pageEnd])).toEqual([
      ['name: wagon 0\nload: slate\n\nname: wagon 1\nload: slate', 1, undefined],
      ['name: wagon 2\nload: slate\n\nname: wagon 3\nload: slate', 1, undefined],
      ['name: wagon 4\nload: slate\n\nname: wagon 5\nload: slate', 1, undefined],
      ['load();\n  haul();\n  unload();', 2, undefined],
    ]);
    expect(chunkDocument(document, { maxChars: 200, overlapChars: 0 }).map((chunk) => [chunk.page, chunk.pageEnd])).toEqual([[1, 2]]);
  });

  it('returns no chunks for no text, and refuses nonsensical options', () => {
    expect(chunkDocument({ blocks: [] }, { maxChars: 100, overlapChars: 10 })).toEqual([]);
    expect(() => chunkDocument({ blocks: [] }, { maxChars: 100, overlapChars: 100 })).toThrow(RangeError);
    expect(() => chunkDocument({ blocks: [] }, { maxChars: 5, overlapChars: 0 })).toThrow(/at least 20/);
  });

  it('gives the heading path as context for embedding when the text does not start with it', () => {
    expect(chunkEmbeddingText({ headingPath: ['Installation', 'Linux'], text: 'Run it.' })).toBe('Installation > Linux\n\nRun it.');
    expect(chunkEmbeddingText({ headingPath: ['Usage'], text: 'Usage\n\nType kestrel.' })).toBe('Usage\n\nType kestrel.');
  });
});
