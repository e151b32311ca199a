import { describe, expect, it } from 'vitest';
import { guessDelimiter } from './csv-parser.js';
import { parseDocument } from './parse-document.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parsing CSV files', () => {
  it('renders rows as column: value lines, grouped into blocks of whole rows', async () => {
    const csv = 'name,town,founded\n"Harrow Mill","Harrow, north bank",1841\nSlate Quay,Harrow,\n\n"The ""Old"" Inn",Bexley,1702\n';
    const parsed = await parseDocument({ bytes: utf8(`\uFEFF${csv}`), filename: 'places.csv' }, { rowsPerBlock: 2 });
    expect(parsed).toEqual({
      format: 'csv',
      title: undefined,
      blocks: [
        { kind: 'paragraph', text: 'Columns: name, town, founded' },
        { kind: 'table', text: 'name: Harrow Mill\ntown: Harrow, north bank\nfounded: 1841\n\nname: Slate Quay\ntown: Harrow' },
        { kind: 'table', text: 'name: The "Old" Inn\ntown: Bexley\nfounded: 1702' },
      ],
    });
  });

  it('guesses semicolons and tabs, and names blank, repeated and extra columns', async () => {
    expect(guessDelimiter('a;b;c\n1;2,5;3\n4;5;6')).toBe(';');
    expect(guessDelimiter('a\tb\n"x\ty"\tz')).toBe('\t');
    const parsed = await parseDocument({ bytes: utf8('id;;id\n1;2;3;4\n'), filename: 'odd.csv' });
    expect(parsed.blocks[1]).toEqual({ kind: 'table', text: 'id: 1\ncolumn 2: 2\nid (2): 3\ncolumn 4: 4' });
    const tsv = await parseDocument({ bytes: utf8('a,b\tc\n1,2\t3'), filename: 'x.tsv' });
    expect(tsv.blocks[1]!.text).toBe('a,b: 1,2\nc: 3');
  });

  it('says where the quoting is broken', async () => {
    await expect(parseDocument({ bytes: utf8('a,b\n1,"open\n'), filename: 'bad.csv' })).rejects.toMatchObject({
      name: 'DocumentParseError',
      reason: 'corrupt',
      message: expect.stringMatching(/^"bad.csv" could not be read as CSV: .*quote/i),
    });
  });
});
