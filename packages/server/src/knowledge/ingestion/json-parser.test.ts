import { describe, expect, it } from 'vitest';
import { parseDocument } from './parse-document.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parsing JSON files', () => {
  it('renders leaves as path: value lines, one record per top-level member', async () => {
    const json = JSON.stringify({
      name: 'Kestrel CLI',
      config: { retries: 3, 'log level': 'debug', hosts: ['a.example', { name: 'b', port: 8080 }], empty: {}, none: null },
      notes: 'two\nlines',
    });
    const parsed = await parseDocument({ bytes: utf8(json), filename: 'app.json' });
    expect(parsed.blocks).toEqual([
      {
        kind: 'table',
        text: [
          'name: Kestrel CLI',
          '',
          'config.retries: 3',
          'config["log level"]: debug',
          'config.hosts[0]: a.example',
          'config.hosts[1].name: b',
          'config.hosts[1].port: 8080',
          'config.empty: {}',
          'config.none: null',
          '',
          'notes: two lines',
        ].join('\n'),
      },
    ]);
  });

  it('groups array elements and JSON Lines records into blocks', async () => {
    const array = await parseDocument({ bytes: utf8('[{"a":1},{"a":2},{"a":3}]'), filename: 'x.json' }, { rowsPerBlock: 2 });
    expect(array.blocks.map((block) => block.text)).toEqual(['[0].a: 1\n\n[1].a: 2', '[2].a: 3']);
    const lines = await parseDocument({ bytes: utf8('{"q":"x"}\n\n"plain"\n'), filename: 'x.jsonl' });
    expect(lines.blocks.map((block) => block.text)).toEqual(['[0].q: x\n\n[1]: plain']);
    const scalar = await parseDocument({ bytes: utf8('42'), contentType: 'application/json' });
    expect(scalar.blocks).toEqual([{ kind: 'table', text: '42' }]);
  });

  it('walks deep nesting without overflowing the stack', async () => {
    const depth = 20_000;
    const parsed = await parseDocument({ bytes: utf8('['.repeat(depth) + '"deep"' + ']'.repeat(depth)), filename: 'deep.json' });
    expect(parsed.blocks[0]!.text.endsWith('[0]: deep')).toBe(true);
  });

  it('says where JSON is invalid', async () => {
    await expect(parseDocument({ bytes: utf8('{"a": 1,}'), filename: 'bad.json' })).rejects.toMatchObject({
      reason: 'corrupt',
      message: expect.stringMatching(/^"bad.json" is not valid JSON: /),
    });
    await expect(parseDocument({ bytes: utf8('{"a":1}\n{oops}\n'), filename: 'bad.jsonl' })).rejects.toThrow(/not valid JSON on line 2/);
  });
});
