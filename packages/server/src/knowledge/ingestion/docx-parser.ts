/**
 * DOCX to blocks: mammoth renders the document as HTML (Heading 1-6 styles become h1-h6,
 * lists, tables), and the HTML parser turns that into blocks, so headings survive. Images
 * are left out, external files are never fetched, and the ZIP directory is checked first so
 * a zip bomb is refused before anything is unpacked. mammoth is loaded on first use, so a
 * server that never sees a .docx never loads it.
 */
import type { ParsedDocument } from './document.js';
import { DocumentParseError, DocumentTooLargeError, quoteName } from './document-errors.js';
import { parseHtml } from './html-parser.js';
import { readZipDirectory } from './zip-directory.js';

export interface DocxParseOptions {
  filename?: string | undefined;
  /** The most bytes the archive may unpack to. */
  maxUnpackedBytes: number;
}

export async function parseDocx(bytes: Uint8Array, options: DocxParseOptions): Promise<ParsedDocument> {
  const name = quoteName(options.filename);
  const entries = readZipDirectory(bytes);
  if (!entries || !entries.some((entry) => entry.name === 'word/document.xml')) {
    throw new DocumentParseError(
      'corrupt',
      `${name} is not a readable Word document: ${entries ? 'it has no word/document.xml' : 'its ZIP structure is damaged or cut short'}.`,
      'Open it in Word or LibreOffice to check it, save it again as .docx, and upload that.',
    );
  }
  const unpacked = entries.reduce((total, entry) => total + entry.uncompressedSize, 0);
  if (unpacked > options.maxUnpackedBytes) {
    throw new DocumentTooLargeError(
      'bytes',
      unpacked,
      options.maxUnpackedBytes,
      `${name} unpacks to ${unpacked.toLocaleString('en')} bytes, more than the ${options.maxUnpackedBytes.toLocaleString('en')} allowed.`,
      'Remove large embedded images or objects, or split the document, and upload it again.',
    );
  }
  let html: string;
  let messages: Array<{ type: string; message: string }>;
  const mammoth = (await import('mammoth')).default;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        externalFileAccess: false,
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
      },
    );
    html = result.value;
    messages = result.messages;
  } catch (error) {
    throw new DocumentParseError(
      'corrupt',
      `${name} is not a readable Word document (${(error as Error).message}).`,
      'Open it in Word or LibreOffice to check it, save it again as .docx, and upload that.',
      { cause: error },
    );
  }
  const parsed = parseHtml(html, 'docx');
  const warnings = messages.filter((message) => message.type === 'error').map((message) => message.message);
  return warnings.length > 0 ? { ...parsed, warnings } : parsed;
}
