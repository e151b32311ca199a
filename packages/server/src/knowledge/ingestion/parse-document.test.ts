import { describe, expect, it } from 'vitest';
import { DocumentParseError, DocumentTooLargeError, UnsupportedDocumentError } from './document-errors.js';
import { detectFormat } from './detect-format.js';
import { parseDocument } from './parse-document.js';
import { minimalDocx } from './test-support/minimal-docx.js';
import { minimalPdf } from './test-support/minimal-pdf.js';
import { zip } from './test-support/zip-writer.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('detectFormat', () => {
  it('takes a specific content type first', () => {
    expect(detectFormat({ bytes: utf8('# x'), filename: 'notes.txt', contentType: 'text/markdown; charset=utf-8' })).toBe('md');
    expect(detectFormat({ bytes: utf8('a,b'), filename: 'x.bin', contentType: 'text/csv' })).toBe('csv');
  });

  it('lets the extension decide when the content type is vague', () => {
    expect(detectFormat({ bytes: utf8('# x'), filename: 'README.md', contentType: 'text/plain' })).toBe('md');
    expect(detectFormat({ bytes: utf8('{}'), filename: 'data.json', contentType: 'application/octet-stream' })).toBe('json');
    expect(detectFormat({ bytes: utf8('a\tb'), filename: 'sheet.TSV' })).toBe('csv');
    expect(detectFormat({ bytes: utf8('hello'), contentType: 'text/plain' })).toBe('txt');
  });

  it('sniffs unlabelled text', () => {
    expect(detectFormat({ bytes: utf8('  {"a": 1}') })).toBe('json');
    expect(detectFormat({ bytes: utf8('[not json') })).toBe('txt');
    expect(detectFormat({ bytes: utf8('<!DOCTYPE html><p>x</p>') })).toBe('html');
    expect(detectFormat({ bytes: utf8('Intro\n\n## Usage\n\ntext') })).toBe('md');
    expect(detectFormat({ bytes: utf8('just words') })).toBe('txt');
  });

  it('believes PDF and DOCX signatures over a wrong label', () => {
    const pdf = minimalPdf({ pages: [[{ text: 'x', x: 72, y: 700 }]] });
    expect(detectFormat({ bytes: pdf, filename: 'x.txt', contentType: 'text/plain' })).toBe('pdf');
    expect(detectFormat({ bytes: minimalDocx([{ paragraph: 'x' }]), filename: 'upload', contentType: 'application/octet-stream' })).toBe('docx');
  });

  it('names what to do with formats it does not read', () => {
    const xlsx = zip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'xl/workbook.xml', data: '<workbook/>' }]);
    expect(() => detectFormat({ bytes: xlsx, filename: 'budget.xlsx' })).toThrow(/not a Word document.*export the sheet as CSV/);
    expect(() => detectFormat({ bytes: zip([{ name: 'a.txt', data: 'a' }]), filename: 'docs.zip' })).toThrow(/ZIP archive.*one by one/);
    expect(() => detectFormat({ bytes: new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), filename: 'old.doc' })).toThrow(
      UnsupportedDocumentError,
    );
    expect(() => detectFormat({ bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), filename: 'scan.png' })).toThrow(/PNG image.*OCR/);
    expect(() => detectFormat({ bytes: utf8('{\\rtf1}'), filename: 'letter.rtf' })).toThrow(/RTF is not supported/);
  });
});

describe('parseDocument', () => {
  it('reads plain text as paragraphs, and bullet paragraphs as lists', async () => {
    const parsed = await parseDocument({ bytes: utf8('First line\nwrapped line.\r\n\r\n  \n- one\n- two\n\nLast.'), filename: 'a.txt' });
    expect(parsed).toEqual({
      format: 'txt',
      title: undefined,
      blocks: [
        { kind: 'paragraph', text: 'First line\nwrapped line.' },
        { kind: 'list', text: '- one\n- two' },
        { kind: 'paragraph', text: 'Last.' },
      ],
    });
  });

  it('drops NUL characters, which PostgreSQL cannot store, from the text it indexes', async () => {
    const parsed = await parseDocument({ bytes: utf8('{"name": "Ada\\u0000 Lovelace", "note": "\\u0000"}'), filename: 'people.json' });
    const text = parsed.blocks.map((block) => block.text).join('\n');
    expect(text).toContain('Ada Lovelace');
    expect(text).not.toContain('\0');
  });

  it('decodes UTF-8, a UTF-16 byte-order mark, a declared charset, and falls back to Windows-1252', async () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Grüße', 'utf16le')]);
    expect((await parseDocument({ bytes: utf16, filename: 'a.txt' })).blocks[0]!.text).toBe('Grüße');
    const latin1 = new Uint8Array(Buffer.from('café crème', 'latin1'));
    expect((await parseDocument({ bytes: latin1, filename: 'a.txt' })).blocks[0]!.text).toBe('café crème');
    expect((await parseDocument({ bytes: utf8('naïve'), filename: 'a.txt' })).blocks[0]!.text).toBe('naïve');
    const koi8 = new Uint8Array([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]);
    expect((await parseDocument({ bytes: koi8, contentType: 'text/plain; charset=koi8-r' })).blocks[0]!.text).toBe('Привет');
  });

  it('takes the charset of an HTML page from its meta tag', async () => {
    const page = Buffer.concat([Buffer.from('<meta charset="iso-8859-1"><p>'), Buffer.from('Ærø', 'latin1'), Buffer.from('</p>')]);
    expect((await parseDocument({ bytes: new Uint8Array(page), filename: 'p.html' })).blocks).toEqual([{ kind: 'paragraph', text: 'Ærø' }]);
  });

  it('refuses an empty file, a blank one and binary data with errors a user can act on', async () => {
    await expect(parseDocument({ bytes: new Uint8Array(), filename: 'empty.txt' })).rejects.toMatchObject({
      name: 'DocumentParseError',
      code: 'DOCUMENT_EMPTY',
      status: 422,
      reason: 'no-text',
      message: '"empty.txt" is empty.',
    });
    await expect(parseDocument({ bytes: utf8(' \n\n \t'), filename: 'blank.md' })).rejects.toThrow('"blank.md" has no text to index.');
    await expect(parseDocument({ bytes: new Uint8Array([1, 2, 0, 4]), filename: 'blob' })).rejects.toMatchObject({
      code: 'DOCUMENT_UNSUPPORTED',
      status: 415,
      message: '"blob" is binary data, not text.',
    });
  });

  it('enforces the byte and character limits', async () => {
    const error = await parseDocument({ bytes: utf8('x'.repeat(2_000)), filename: 'big.txt' }, { maxBytes: 1_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413, limit: 'bytes', actual: 2_000, max: 1_000 });
    await expect(parseDocument({ bytes: utf8('word '.repeat(100)), filename: 'a.txt' }, { maxTextChars: 100 })).rejects.toMatchObject({
      limit: 'characters',
    });
  });

  it('turns a PDF labelled as something else into a clear parse error when it is damaged', async () => {
    const damaged = utf8('%PDF-1.7\nthis is not really a pdf');
    const error = await parseDocument({ bytes: damaged, filename: 'report.pdf' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DocumentParseError);
    expect(error).toMatchObject({ reason: 'corrupt', message: expect.stringMatching(/^"report.pdf" is not a readable PDF/) });
    expect((error as DocumentParseError).hint).toMatch(/download it again/);
  });
});
