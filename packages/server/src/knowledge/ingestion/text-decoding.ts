/**
 * Bytes to text for the text formats: a byte-order mark wins, then a declared charset, then
 * UTF-8 if the bytes are valid UTF-8, else Windows-1252 (what "Latin-1" files usually are).
 * Line endings become "\n". Binary data is refused rather than turned into mojibake.
 */
import { UnsupportedDocumentError, quoteName } from './document-errors.js';

export function decodeText(bytes: Uint8Array, options: { charset?: string | undefined; filename?: string | undefined } = {}): string {
  return normaliseNewlines(decodeBytes(bytes, options));
}

function decodeBytes(bytes: Uint8Array, options: { charset?: string | undefined; filename?: string | undefined }): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (looksBinary(bytes)) {
    throw new UnsupportedDocumentError(`${quoteName(options.filename)} is binary data, not text.`);
  }
  const declared = options.charset ? decoderFor(options.charset) : undefined;
  if (declared) return declared.decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function decoderFor(charset: string): { decode(bytes: Uint8Array): string } | undefined {
  try {
    return new TextDecoder(charset.trim().toLowerCase());
  } catch {
    return undefined;
  }
}

/** NUL bytes in the first 8 KiB: no text encoding we read (UTF-16 has a BOM here) has them. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The `charset` parameter of a Content-Type header, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType) : null;
  return match ? match[1] : undefined;
}
