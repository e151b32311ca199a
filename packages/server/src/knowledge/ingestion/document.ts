/**
 * What ingestion produces: a parsed document as text blocks that keep their structure
 * (headings, paragraphs, tables), and the chunks cut from it.
 */

export type DocumentFormat = 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'csv' | 'json';

export interface TextBlock {
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
}

export interface Chunk {
  /** 0-based position in the document. */
  index: number;
  text: string;
  /** Headings above the chunk, outermost first, e.g. ["Installation", "Linux"]. */
  headingPath: string[];
  /** Character offsets of the chunk in the document's plain text. */
  start: number;
  end: number;
  page?: number;
}

export interface ChunkingOptions {
  /** Target size in characters. */
  maxChars: number;
  /** Characters repeated from the end of one chunk at the start of the next. */
  overlapChars: number;
}
