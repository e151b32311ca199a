import { describe, expect, it } from 'vitest';
import { parseDocument } from './parse-document.js';
import { type PdfLine, minimalPdf } from './test-support/minimal-pdf.js';

/** Body lines 14 points apart from `top` down, in 11-point text. */
function body(top: number, ...texts: string[]): PdfLine[] {
  return texts.map((text, index) => ({ text, x: 72, y: top - index * 14 }));
}

describe('parsing PDF files', () => {
  it('reads pages into headings, paragraphs and lists with their page numbers', async () => {
    const pdf = minimalPdf({
      title: 'Harrow Valley Railway',
      pages: [
        [
          { text: 'The Valley Line', x: 72, y: 720, size: 22, bold: true },
          ...body(690, 'The railway reached Harrow in 1868, carrying slate', 'down the valley to the harbour.'),
          ...body(640, 'Passenger trains followed a year later; the station', 'was built of local stone.'),
          { text: 'Rolling stock', x: 72, y: 590, size: 15, bold: true },
          ...body(565, '• Two tank engines', '• Twelve slate wagons', '• One brake van'),
          { text: '1', x: 300, y: 40 },
        ],
        [
          { text: 'Page 2 of 3', x: 260, y: 760 },
          ...body(700, 'The line was exten-', 'ded to the quarry in 1871, and well-', 'Known to walkers today.'),
        ],
        [],
      ],
    });
    const parsed = await parseDocument({ bytes: pdf, filename: 'railway.pdf', contentType: 'application/pdf' });
    expect(parsed.title).toBe('Harrow Valley Railway');
    expect(parsed.pageCount).toBe(3);
    expect(parsed.warnings).toEqual(['page 3 had no text (images are not read)']);
    expect(parsed.blocks).toEqual([
      { kind: 'heading', text: 'The Valley Line', level: 1, page: 1 },
      { kind: 'paragraph', text: 'The railway reached Harrow in 1868, carrying slate down the valley to the harbour.', page: 1 },
      { kind: 'paragraph', text: 'Passenger trains followed a year later; the station was built of local stone.', page: 1 },
      { kind: 'heading', text: 'Rolling stock', level: 2, page: 1 },
      { kind: 'list', text: '• Two tank engines\n• Twelve slate wagons\n• One brake van', page: 1 },
      { kind: 'paragraph', text: 'The line was extended to the quarry in 1871, and well- Known to walkers today.', page: 2 },
    ]);
  });

  it('keeps a table of contents as text (leaders shortened), never as headings, and drops roman page numbers', async () => {
    const pdf = minimalPdf({
      pages: [
        [
          { text: 'Contents', x: 72, y: 720, size: 16 },
          { text: '1 Introduction . . . . . . . . . . 1', x: 72, y: 690, size: 13 },
          { text: '2 Usage .................. 4', x: 72, y: 676, size: 13 },
          { text: 'iv', x: 300, y: 40 },
        ],
        [{ text: 'Introduction', x: 72, y: 720, size: 16 }, ...body(690, 'The body text of the manual, long enough to be the most common size.', 'More body text.')],
      ],
    });
    const parsed = await parseDocument({ bytes: pdf, filename: 'manual.pdf' });
    expect(parsed.blocks).toEqual([
      { kind: 'heading', text: 'Contents', level: 1, page: 1 },
      { kind: 'paragraph', text: '1 Introduction … 1 2 Usage … 4', page: 1 },
      { kind: 'heading', text: 'Introduction', level: 1, page: 2 },
      { kind: 'paragraph', text: 'The body text of the manual, long enough to be the most common size. More body text.', page: 2 },
    ]);
  });

  it('takes the first large heading as the title when the PDF has none', async () => {
    const pdf = minimalPdf({ pages: [[{ text: 'Annual Report', x: 72, y: 720, size: 20 }, ...body(690, 'Body text that is long enough to set the size.')]] });
    expect((await parseDocument({ bytes: pdf, filename: 'r.pdf' })).title).toBe('Annual Report');
  });

  it('says a password-protected PDF needs its password removed', async () => {
    const pdf = minimalPdf({ encrypted: true, pages: [body(700, 'secret')] });
    await expect(parseDocument({ bytes: pdf, filename: 'payroll.pdf' })).rejects.toMatchObject({
      name: 'DocumentParseError',
      code: 'DOCUMENT_PARSE_FAILED',
      reason: 'encrypted',
      message: '"payroll.pdf" is password-protected.',
      hint: expect.stringMatching(/without one/),
    });
  });

  it('says a PDF without a text layer needs OCR', async () => {
    const pdf = minimalPdf({ pages: [[], []] });
    await expect(parseDocument({ bytes: pdf, filename: 'scan.pdf' })).rejects.toMatchObject({
      reason: 'no-text',
      message: expect.stringMatching(/no text layer.*does not run OCR/),
    });
  });

  it('refuses a truncated PDF and one past the page limit', async () => {
    const pdf = minimalPdf({ pages: [body(700, 'one'), body(700, 'two'), body(700, 'three')] });
    await expect(parseDocument({ bytes: pdf.subarray(0, 60), filename: 'cut.pdf' })).rejects.toMatchObject({ reason: 'corrupt' });
    await expect(parseDocument({ bytes: pdf, filename: 'long.pdf' }, { maxPages: 2 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      limit: 'pages',
      message: '"long.pdf" has 3 pages; at most 2 are read.',
    });
  });
});
