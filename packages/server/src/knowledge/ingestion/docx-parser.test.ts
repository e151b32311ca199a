import { describe, expect, it } from 'vitest';
import { parseDocument } from './parse-document.js';
import { minimalDocx } from './test-support/minimal-docx.js';
import { zip } from './test-support/zip-writer.js';

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('parsing Word documents', () => {
  it('keeps headings, paragraphs, lists and tables through mammoth', async () => {
    const docx = minimalDocx([
      { heading: 'Staff Handbook', level: 1 },
      { paragraph: 'Welcome to Brightwater & Co.' },
      { heading: 'Leave', level: 2 },
      { paragraph: 'Annual leave is 27 days.', bold: true },
      { bullets: ['Book leave in the portal', 'Tell your team'] },
      { heading: 'Contacts', level: 3 },
      { table: [['Team', 'Email'], ['People', 'people@example.com']] },
    ]);
    const parsed = await parseDocument({ bytes: docx, filename: 'handbook.docx', contentType: DOCX_TYPE });
    expect(parsed).toEqual({
      format: 'docx',
      title: 'Staff Handbook',
      blocks: [
        { kind: 'heading', text: 'Staff Handbook', level: 1 },
        { kind: 'paragraph', text: 'Welcome to Brightwater & Co.' },
        { kind: 'heading', text: 'Leave', level: 2 },
        { kind: 'paragraph', text: 'Annual leave is 27 days.' },
        { kind: 'list', text: '- Book leave in the portal\n- Tell your team' },
        { kind: 'heading', text: 'Contacts', level: 3 },
        { kind: 'table', text: 'Team | Email\nPeople | people@example.com' },
      ],
    });
  });

  it('says a damaged or cut-short .docx is not readable', async () => {
    const docx = minimalDocx([{ paragraph: 'text' }]);
    await expect(parseDocument({ bytes: docx.subarray(0, docx.length - 30), filename: 'cut.docx' })).rejects.toMatchObject({
      name: 'DocumentParseError',
      reason: 'corrupt',
      message: '"cut.docx" is not a readable Word document: its ZIP structure is damaged or cut short.',
    });
    const broken = zip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document>not closed' },
    ]);
    await expect(parseDocument({ bytes: broken, filename: 'broken.docx' })).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringMatching(/^"broken.docx" is not a readable Word document \(/),
    });
  });

  it('refuses an archive that would unpack past the limit before unpacking it', async () => {
    const bomb = zip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<a/>' },
      { name: 'word/media/padding.bin', data: new Uint8Array(3_000_000) },
    ]);
    expect(bomb.length).toBeLessThan(10_000);
    await expect(parseDocument({ bytes: bomb, filename: 'bomb.docx' }, { maxBytes: 100_000 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      limit: 'bytes',
      message: expect.stringMatching(/unpacks to 3,000,\d+ bytes, more than the 1,000,000 allowed/),
    });
  });
});
