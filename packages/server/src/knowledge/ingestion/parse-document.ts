/**
 * One entry point for every format: `parseDocument({ bytes, filename, contentType })`
 * picks the parser (see detect-format.ts), applies the limits, and turns anything a parser
 * throws into an ingestion error with a message a user can act on.
 */
import type { DocumentFormat, ParsedDocument } from './document.js';
import { DocumentParseError, DocumentTooLargeError, isIngestionError, quoteName } from './document-errors.js';
import { parseCsv } from './csv-parser.js';
import { type DocumentSource, detectFormat, extensionOf, mediaTypeOf } from './detect-format.js';
import { parseDocx } from './docx-parser.js';
import { parseHtml } from './html-parser.js';
import { parseJson } from './json-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { parsePdf } from './pdf-parser.js';
import { parsePlainText } from './plain-text-parser.js';
import { charsetOf, decodeText } from './text-decoding.js';
import { withoutNul } from '../../storage/storable-text.js';

export type { DocumentSource } from './detect-format.js';

export interface ParseLimits {
  /** The most bytes a file may have. */
  maxBytes: number;
  /** The most pages a PDF may have. */
  maxPages: number;
  /** The most characters of text a document may yield (after parsing). */
  maxTextChars: number;
  /** CSV rows, or JSON records, per block. */
  rowsPerBlock: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxPages: 2_000,
  maxTextChars: 20_000_000,
  rowsPerBlock: 10,
});

export async function parseDocument(source: DocumentSource, options: Partial<ParseLimits> = {}): Promise<ParsedDocument> {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...options };
  const name = quoteName(source.filename);
  if (source.bytes.length > limits.maxBytes) {
    throw new DocumentTooLargeError(
      'bytes',
      source.bytes.length,
      limits.maxBytes,
      `${name} is ${megabytes(source.bytes.length)}; at most ${megabytes(limits.maxBytes)} are accepted.`,
      'Split it into smaller files, or ask an administrator to raise the upload limit.',
    );
  }
  if (source.bytes.length === 0) throw noText(name, 'is empty');
  const format = detectFormat(source);
  let parsed: ParsedDocument;
  try {
    parsed = storable(await parseAs(format, source, limits));
  } catch (error) {
    if (isIngestionError(error)) throw error;
    throw new DocumentParseError(
      'corrupt',
      `${name} could not be read as ${FORMAT_NAMES[format]} (${(error as Error)?.message ?? String(error)}).`,
      'Check that the file opens in the program that made it and that its name or type matches its content, then upload it again.',
      { cause: error },
    );
  }
  const characters = parsed.blocks.reduce((total, block) => total + block.text.length, 0);
  if (characters > limits.maxTextChars) {
    throw new DocumentTooLargeError(
      'characters',
      characters,
      limits.maxTextChars,
      `${name} holds ${characters.toLocaleString('en')} characters of text; at most ${limits.maxTextChars.toLocaleString('en')} are indexed.`,
      'Split it into smaller documents, or ask an administrator to raise the limit.',
    );
  }
  if (parsed.blocks.length === 0) throw noText(name, 'has no text to index');
  return parsed;
}

/** Without the NUL characters PDF text layers and binary-ish files carry (`withoutNul`), and the blocks they alone made. */
function storable(parsed: ParsedDocument): ParsedDocument {
  const blocks = parsed.blocks.map((block) => ({ ...block, text: withoutNul(block.text) })).filter((block) => block.text.trim() !== '');
  return { ...parsed, title: parsed.title === undefined ? undefined : withoutNul(parsed.title), blocks };
}

const FORMAT_NAMES: Record<DocumentFormat, string> = {
  txt: 'plain text', md: 'Markdown', html: 'HTML', pdf: 'PDF', docx: 'a Word document', csv: 'CSV', json: 'JSON',
};

async function parseAs(format: DocumentFormat, source: DocumentSource, limits: ParseLimits): Promise<ParsedDocument> {
  const { bytes, filename } = source;
  if (format === 'pdf') return parsePdf(bytes, { filename, maxPages: limits.maxPages });
  if (format === 'docx') return parseDocx(bytes, { filename, maxUnpackedBytes: limits.maxBytes * 10 });
  const text = decodeText(bytes, { charset: charsetOf(source.contentType) ?? (format === 'html' ? metaCharset(bytes) : undefined), filename });
  const extension = extensionOf(filename);
  const mediaType = mediaTypeOf(source.contentType);
  switch (format) {
    case 'md':
      return parseMarkdown(text);
    case 'html':
      return parseHtml(text);
    case 'csv': {
      const tabs = extension === 'tsv' || mediaType === 'text/tab-separated-values';
      return parseCsv(text, { filename, rowsPerBlock: limits.rowsPerBlock, delimiter: tabs ? '\t' : undefined });
    }
    case 'json': {
      const lines = extension === 'jsonl' || extension === 'ndjson' || mediaType === 'application/x-ndjson' || mediaType === 'application/jsonl';
      return parseJson(text, { filename, lines, recordsPerBlock: limits.rowsPerBlock });
    }
    default:
      return parsePlainText(text);
  }
}

/** `<meta charset="...">` or the http-equiv form, in the first 1,024 bytes. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
}

function noText(name: string, what: string): DocumentParseError {
  return new DocumentParseError('no-text', `${name} ${what}.`, 'Upload a file that contains text.');
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
