import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown-parser.js';

describe('parseMarkdown', () => {
  it('keeps headings (ATX and setext), paragraphs, lists, code and tables as blocks', () => {
    const parsed = parseMarkdown(
      [
        '# Field guide #',
        '',
        'Birds of the *north* shore,',
        'seen in [spring](https://example.org).',
        '',
        'Waders',
        '------',
        '',
        '- Curlew, **long** bill',
        '  wades in mud',
        '- Dunlin',
        '  1. winter plumage',
        '',
        '```sh',
        'count --species all',
        '',
        '# not a heading',
        '```',
        '',
        '| Bird | Count |',
        '| :--- | ----: |',
        '| Curlew | 12 |',
        '| Dunlin | 40 \\| 41 |',
        '',
        '> A quoted line',
        '> continues.',
        '',
        '***',
        '',
        '    indented code',
        '',
        '[ref]: https://example.org',
      ].join('\n'),
    );
    expect(parsed.title).toBe('Field guide');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', text: 'Field guide', level: 1 },
      { kind: 'paragraph', text: 'Birds of the north shore, seen in spring.' },
      { kind: 'heading', text: 'Waders', level: 2 },
      { kind: 'list', text: '- Curlew, long bill wades in mud\n- Dunlin\n  1. winter plumage' },
      { kind: 'code', text: 'count --species all\n\n# not a heading' },
      { kind: 'table', text: 'Bird | Count\nCurlew | 12\nDunlin | 40 | 41' },
      { kind: 'paragraph', text: 'A quoted line continues.' },
      { kind: 'code', text: 'indented code' },
    ]);
  });

  it('takes the title from front matter and drops the rest of it', () => {
    const parsed = parseMarkdown('---\ntitle: "Release notes"\ntags: [a]\n---\n# Version 2\n\nText.');
    expect(parsed.title).toBe('Release notes');
    expect(parsed.blocks[0]).toEqual({ kind: 'heading', text: 'Version 2', level: 1 });
  });

  it('does not mistake a wrapped line starting with a number for a list, or snake_case for emphasis', () => {
    const parsed = parseMarkdown('The mill closed in\n1923. It reopened later.\n\nSet max_line_length and min_line_length.');
    expect(parsed.blocks).toEqual([
      { kind: 'paragraph', text: 'The mill closed in 1923. It reopened later.' },
      { kind: 'paragraph', text: 'Set max_line_length and min_line_length.' },
    ]);
  });

  it('reads an unclosed code fence to the end, and a lone heading marker as nothing', () => {
    expect(parseMarkdown('#\n\n~~~\ncode\nmore').blocks).toEqual([{ kind: 'code', text: 'code\nmore' }]);
  });
});
