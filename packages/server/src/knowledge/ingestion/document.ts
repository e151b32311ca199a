/**
 * What ingestion produces: a parsed document as text blocks that keep their structure
 * (headings, paragraphs, tables), and the chunks cut from it.
 *
 * The document's plain text is its blocks' texts joined by `BLOCK_SEPARATOR`
 * (`documentText`); chunk offsets point into it, and `chunk.text` is exactly
 * `documentText(parsed).slice(chunk.start, chunk.end)`.
 */

export type DocumentFormat = 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'csv' | 'json';

export interface TextBlock {
  /**
   * `table` is any block of lines that belong together and split by lines: Markdown and
   * HTML tables (`cell | cell` rows), and CSV/JSON records (`column: value` lines, records
   * separated by a blank line). `list` holds one item per line (`- item`, `1. item`).
   */
  kind: 'heading' | 'paragraph' | 'list' | 'table' | 'code';
  text: string;
  /** For headings: 1 (top) to 6. */
  level?: number;
  /** 1-based page, for formats that have pages (pdf). */
  page?: number;
}

export interface ParsedDocument {
  format: DocumentFormat;
  title: string | undefined;
  blocks: TextBlock[];
  /** Pages in the file, for formats that have pages (pdf). */
  pageCount?: number;
  /** What the parser left out or guessed, in words a user can read (e.g. "page 3 has no text"). */
  warnings?: string[];
}

export interface Chunk {
  /** 0-based position in the document. */
  index: number;
  text: string;
  /** Headings above the chunk, outermost first, e.g. ["Installation", "Linux"]. */
  headingPath: string[];
  /** Character offsets of the chunk in the document's plain text (`end` exclusive). */
  start: number;
  end: number;
  /** The page the chunk starts on. */
  page?: number;
  /** The page the chunk ends on, when it is not `page`. */
  pageEnd?: number;
}

export interface ChunkingOptions {
  /**
   * The most characters of new text in a chunk; the overlap comes on top, so a chunk is at
   * most `maxChars + overlapChars` long.
   */
  maxChars: number;
  /** At most this many characters repeated from the end of one chunk at the start of the next (same section only). */
  overlapChars: number;
}

/** Between two blocks in the document's plain text. */
export const BLOCK_SEPARATOR = '\n\n';

/** The document's plain text, the text chunk offsets point into. */
export function documentText(document: Pick<ParsedDocument, 'blocks'>): string {
  return document.blocks.map((block) => block.text).join(BLOCK_SEPARATOR);
}
