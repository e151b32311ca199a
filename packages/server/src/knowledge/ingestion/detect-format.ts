/**
 * Which parser reads a file: the declared content type, then the file name's extension,
 * then the bytes. One exception to that order: a file whose first bytes are unmistakably a
 * PDF, a ZIP or an OLE container is judged by those bytes whatever it was labelled, so a
 * PDF uploaded as text/plain is read as a PDF instead of as garbage.
 */
import type { DocumentFormat } from './document.js';
import { UnsupportedDocumentError, quoteName } from './document-errors.js';
import { isZip, readZipDirectory } from './zip-directory.js';

export interface DocumentSource {
  bytes: Uint8Array;
  filename?: string | undefined;
  /** The declared Content-Type, parameters allowed (`text/html; charset=iso-8859-1`). */
  contentType?: string | undefined;
}

const CONTENT_TYPES: Record<string, DocumentFormat> = {
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/x-markdown': 'md',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/json': 'json',
  'text/json': 'json',
  'application/x-ndjson': 'json',
  'application/jsonl': 'json',
  'application/ld+json': 'json',
};

/** Types that say "some file" or "some text" and yield to a more specific extension. */
const VAGUE_CONTENT_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/x-www-form-urlencoded', 'text/plain']);

const EXTENSIONS: Record<string, DocumentFormat> = {
  txt: 'txt', text: 'txt', log: 'txt',
  md: 'md', markdown: 'md', mdown: 'md', mkd: 'md', mdx: 'md',
  html: 'html', htm: 'html', xhtml: 'html',
  pdf: 'pdf',
  docx: 'docx',
  csv: 'csv', tsv: 'csv',
  json: 'json', jsonl: 'json', ndjson: 'json',
};

/** Formats people try that we do not read, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  doc: 'Word 97-2003 documents (.doc) are not supported: save it as .docx (File > Save As) and upload that.',
  xls: 'Spreadsheets are not supported: export the sheet as CSV and upload that.',
  xlsx: 'Spreadsheets are not supported: export the sheet as CSV and upload that.',
  ods: 'Spreadsheets are not supported: export the sheet as CSV and upload that.',
  ppt: 'Presentations are not supported: export it as PDF and upload that.',
  pptx: 'Presentations are not supported: export it as PDF and upload that.',
  odp: 'Presentations are not supported: export it as PDF and upload that.',
  odt: 'OpenDocument text is not supported: save it as .docx or PDF and upload that.',
  rtf: 'RTF is not supported: save it as .docx or PDF and upload that.',
  epub: 'EPUB is not supported: convert it to PDF, HTML or text and upload that.',
  zip: 'Archives are not unpacked: upload the documents inside one by one.',
};

export function extensionOf(filename: string | undefined): string | undefined {
  const base = filename?.split(/[\\/]/).pop();
  const dot = base ? base.lastIndexOf('.') : -1;
  return base && dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function detectFormat(source: DocumentSource): DocumentFormat {
  const name = quoteName(source.filename);
  const byMagic = formatFromMagic(source.bytes, name);
  if (byMagic) return byMagic;

  const mediaType = mediaTypeOf(source.contentType);
  const extension = extensionOf(source.filename);
  const declared = CONTENT_TYPES[mediaType];
  if (declared && !VAGUE_CONTENT_TYPES.has(mediaType)) return declared;
  if (extension && EXTENSIONS[extension]) return EXTENSIONS[extension];
  if (declared) return declared;
  if (extension && UNSUPPORTED[extension]) throw new UnsupportedDocumentError(`${name} is not a supported format. ${UNSUPPORTED[extension]}`);
  if (mediaType.startsWith('image/') || mediaType.startsWith('audio/') || mediaType.startsWith('video/')) {
    throw new UnsupportedDocumentError(`${name} is ${mediaType.split('/')[0]}, not a document: SutazAI reads text only.`);
  }
  return sniffText(source.bytes);
}

function formatFromMagic(bytes: Uint8Array, name: string): DocumentFormat | undefined {
  if (hasAsciiMarker(bytes, '%PDF-', 1024)) return 'pdf';
  if (isZip(bytes)) {
    const entries = readZipDirectory(bytes);
    const names = new Set(entries?.map((entry) => entry.name));
    // A damaged zip cannot be told apart; the DOCX parser then says it is damaged.
    if (!entries || names.has('word/document.xml') || names.has('[Content_Types].xml')) {
      if (entries && !names.has('word/document.xml')) {
        const kind = names.has('xl/workbook.xml') ? 'xlsx' : [...names].some((entry) => entry.startsWith('ppt/')) ? 'pptx' : 'zip';
        throw new UnsupportedDocumentError(`${name} is an Office file but not a Word document. ${UNSUPPORTED[kind]}`);
      }
      return 'docx';
    }
    const kind = names.has('mimetype') && [...names].some((entry) => entry.startsWith('META-INF/')) ? 'odt-or-epub' : 'zip';
    throw new UnsupportedDocumentError(
      kind === 'zip'
        ? `${name} is a ZIP archive. ${UNSUPPORTED.zip}`
        : `${name} is an OpenDocument or EPUB file, which is not supported: save or convert it to .docx, PDF or HTML and upload that.`,
    );
  }
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) {
    throw new UnsupportedDocumentError(
      `${name} is an old-style Office file (.doc, .xls, .ppt) or a password-protected Office document, which SutazAI cannot read.`,
      'Open it in Word or LibreOffice, remove any password, save it as .docx (or export PDF), and upload that.',
    );
  }
  const image = imageKind(bytes);
  if (image) throw new UnsupportedDocumentError(`${name} is a ${image} image, not a document: SutazAI reads text only and does not run OCR.`);
  return undefined;
}

function imageKind(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x89 && hasAsciiMarker(bytes.subarray(1), 'PNG', 3)) return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (hasAsciiMarker(bytes, 'GIF8', 4)) return 'GIF';
  if (hasAsciiMarker(bytes, 'RIFF', 4) && hasAsciiMarker(bytes.subarray(8), 'WEBP', 4)) return 'WebP';
  return undefined;
}

/** Whether `marker` occurs within the first `within` bytes (PDF allows junk before %PDF-). */
function hasAsciiMarker(bytes: Uint8Array, marker: string, within: number): boolean {
  const limit = Math.min(bytes.length - marker.length, within - marker.length);
  outer: for (let at = 0; at <= limit; at++) {
    for (let i = 0; i < marker.length; i++) if (bytes[at + i] !== marker.charCodeAt(i)) continue outer;
    return true;
  }
  return false;
}

/** Text with no label: JSON, HTML or Markdown by their looks, else plain text. */
function sniffText(bytes: Uint8Array): DocumentFormat {
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '').trimStart();
  if (/^[[{]/.test(head) && isJson(bytes)) return 'json';
  if (/^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(head) || /<(p|div|h1|h2|table)[\s>]/i.test(head.slice(0, 1024))) return 'html';
  if (/^#{1,6}\s\S/m.test(head) || /^(```|~~~)/m.test(head) || /^\S[^\n]*\n(=+|-+)\s*$/m.test(head)) return 'md';
  return 'txt';
}

function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
}
