import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown';
import { safeUrl } from './safe-url';

function renderReply(text: string) {
  return render(<Markdown text={text} />).container;
}

describe('Markdown of a reply', () => {
  it('shows raw HTML as text: an <img onerror> creates no element', () => {
    const container = renderReply('Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(container.textContent).toContain('<script>alert(2)</script>');
  });

  it('shows a block of raw HTML as text too', () => {
    const container = renderReply('<div onclick="alert(1)"><iframe src="https://evil.example"></iframe></div>');
    expect(container.querySelector('div[onclick], iframe')).toBeNull();
    expect(container.textContent).toContain('<iframe src="https://evil.example"></iframe>');
  });

  it('neutralises javascript: links, in every spelling', () => {
    const replies = [
      '[click me](javascript:alert(1))',
      '[click me](JaVaScRiPt:alert(1))',
      '[click me](<java\tscript:alert(1)>)',
      '[click me](&#106;avascript:alert(1))',
      '[click me](data:text/html,<script>alert(1)</script>)',
      '[click me](vbscript:msgbox(1))',
      '[click me][ref]\n\n[ref]: javascript:alert(1)',
      'click me <javascript:alert(1)>',
    ];
    for (const reply of replies) {
      const container = renderReply(reply);
      for (const anchor of container.querySelectorAll('a')) {
        // Whatever is left must be an address that navigates, never one that runs.
        expect(new URL(anchor.getAttribute('href') ?? '', 'http://sutazai.test/').protocol, reply).toMatch(/^(https?|mailto):$/);
      }
      expect(container.textContent).toContain('click me');
    }
    const container = renderReply('[x](javascript:alert(1))');
    expect(container.querySelector('a')).toBeNull();
    expect(container.querySelector('.link-removed')?.textContent).toContain('x');
  });

  it('keeps http links, opening them in a new tab without a referrer', () => {
    const anchor = renderReply('[docs](https://example.com/a?b=1)').querySelector('a');
    expect(anchor?.getAttribute('href')).toBe('https://example.com/a?b=1');
    expect(anchor?.getAttribute('target')).toBe('_blank');
    expect(anchor?.getAttribute('rel')).toContain('noreferrer');
  });

  it('never loads a remote image: it becomes a link', () => {
    const container = renderReply('![tracking pixel](https://evil.example/p.png?secret=42)');
    expect(container.querySelector('img')).toBeNull();
    const anchor = container.querySelector('a.image-link');
    expect(anchor?.getAttribute('href')).toBe('https://evil.example/p.png?secret=42');
    expect(anchor?.textContent).toContain('tracking pixel');
  });

  it('highlights a fenced code block and offers to copy it', () => {
    const container = renderReply('```js\nconst answer = 42; // the answer\n```');
    const code = container.querySelector('pre code');
    expect(code?.classList.contains('hljs')).toBe(true);
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('const');
    expect(code?.textContent).toBe('const answer = 42; // the answer\n');
    expect(container.querySelector('button[aria-label="Copy js code"]')).not.toBeNull();
  });

  it('keeps HTML inside a code block as text', () => {
    const container = renderReply('```html\n<img src=x onerror=alert(1)>\n```');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('pre')?.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('renders tables and task lists from GitHub-flavoured Markdown', () => {
    const container = renderReply('| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo');
    expect(container.querySelectorAll('td')).toHaveLength(2);
    const boxes = container.querySelectorAll('input[type="checkbox"]');
    expect(boxes).toHaveLength(2);
    expect((boxes[0] as HTMLInputElement).disabled).toBe(true);
  });
});

describe('safeUrl', () => {
  it('allows http, https, mailto and links within the site', () => {
    for (const url of ['https://a.example', 'http://a.example/x', 'mailto:me@example.com', '/status', '#section', 'relative/path']) expect(safeUrl(url)).toBe(url);
  });
  it('refuses every other scheme and scheme-relative URLs', () => {
    for (const url of ['javascript:alert(1)', 'JAVASCRIPT:x', 'java\nscript:x', '\u0000javascript:x', 'data:image/png;base64,AAAA', 'file:///etc/passwd', 'vbscript:x', '//evil.example/x']) expect(safeUrl(url)).toBe('');
  });
});
