import { describe, expect, it } from 'vitest';
import { parseHtml } from './html-parser.js';

describe('parseHtml', () => {
  it('keeps headings, paragraphs, lists, tables and preformatted text; drops scripts, styles and navigation', () => {
    const parsed = parseHtml(`<!DOCTYPE html>
<html><head><title>The Mill &amp; the River</title><style>p { color: red }</style></head>
<body>
  <nav><a href="/">Home</a> <a href="/about">About</a></nav>
  <script>document.write("<p>injected</p>")</script>
  <h1>Harrow Mill</h1>
  <p>Built in <b>1841</b>,&nbsp;rebuilt&#x20;after the flood&hellip;</p>
  <p>Line one<br>line two</p>
  <h2 id="x">Machinery <small>(restored)</small></h2>
  <ul>
    <li>Water wheel
      <ol start="3"><li>Paddles</li><li>Axle</li></ol>
    </li>
    <li><p>Grain</p><p>hoist</p></li>
  </ul>
  <table>
    <caption>Output</caption>
    <thead><tr><th>Year</th><th>Sacks</th></tr></thead>
    <tbody><tr><td>1850</td><td><p>1,200</p></td></tr><tr><td></td><td></td></tr></tbody>
  </table>
  <pre><code>wheel.turn(3)
  &lt;done&gt;</code></pre>
  <div hidden>secret</div><span aria-hidden="true">icon</span><p style="display:none">gone</p>
  <button>Subscribe</button>
  <footer>Local history society</footer>
</body></html>`);
    expect(parsed.title).toBe('The Mill & the River');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', text: 'Harrow Mill', level: 1 },
      { kind: 'paragraph', text: 'Built in 1841, rebuilt after the flood…' },
      { kind: 'paragraph', text: 'Line one\nline two' },
      { kind: 'heading', text: 'Machinery (restored)', level: 2 },
      { kind: 'list', text: '- Water wheel\n  3. Paddles\n  4. Axle\n- Grain hoist' },
      { kind: 'table', text: 'Output\nYear | Sacks\n1850 | 1,200' },
      { kind: 'code', text: 'wheel.turn(3)\n  <done>' },
      { kind: 'paragraph', text: 'Local history society' },
    ]);
  });

  it('takes the first h1 as the title when there is no <title>, and ignores an SVG title', () => {
    const parsed = parseHtml('<svg><title>logo</title></svg><h1>Release &eacute;t&eacute;</h1><p>x</p>');
    expect(parsed.title).toBe('Release été');
  });

  it('survives broken markup: unclosed elements, stray "<", quotes holding ">", unknown entities', () => {
    const parsed = parseHtml('<p title="a>b">x < y &bogus; <i>open<p>next<ul><li>dangling');
    expect(parsed.blocks).toEqual([
      { kind: 'paragraph', text: 'x < y &bogus; open' },
      { kind: 'paragraph', text: 'next' },
      { kind: 'list', text: '- dangling' },
    ]);
  });

  it('splits a list around a table inside it rather than flattening the table', () => {
    const parsed = parseHtml('<ul><li>before<table><tr><td>a</td><td>b</td></tr></table></li><li>after</li></ul>');
    expect(parsed.blocks).toEqual([
      { kind: 'list', text: '- before' },
      { kind: 'table', text: 'a | b' },
      { kind: 'list', text: '- after' },
    ]);
  });

  it('reads a large page in linear time', () => {
    // Quadratic scanning (a "<" never closed, an attribute quote never closed) would take minutes here.
    const page = '<div><p>' + 'word &amp; <b>bold</b> '.repeat(20_000) + '</p></div>' + '<'.repeat(100_000) + '<a title="'.repeat(20_000);
    const started = performance.now();
    const parsed = parseHtml(page);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(parsed.blocks[0]!.text.startsWith('word & bold word & bold')).toBe(true);
  });
});
