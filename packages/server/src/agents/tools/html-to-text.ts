/**
 * HTML to readable text for a model: the title, the visible text with line breaks where
 * blocks end, no scripts or styles. A single linear scan (no backtracking regular
 * expressions), so a hostile page costs time proportional to its size.
 */

/** Elements whose content is never shown. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object', 'canvas']);
/** Elements that start a new line. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul', 'title',
]);

const ENTITIES = new Map([
  ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['nbsp', ' '], ['ndash', '–'], ['mdash', '—'],
  ['hellip', '…'], ['copy', '©'], ['reg', '®'], ['trade', '™'], ['laquo', '«'], ['raquo', '»'], ['lsquo', '‘'], ['rsquo', '’'],
  ['ldquo', '“'], ['rdquo', '”'], ['middot', '·'], ['bull', '•'], ['euro', '€'], ['pound', '£'], ['deg', '°'], ['times', '×'],
]);

export interface HtmlText {
  title: string | undefined;
  text: string;
}

export function htmlToText(html: string): HtmlText {
  const lower = html.toLowerCase();
  const out: string[] = [];
  let title: string | undefined;
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf('<', i);
    if (open === -1) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, open));
    if (lower.startsWith('<!--', open)) {
      const end = lower.indexOf('-->', open + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    const close = html.indexOf('>', open + 1);
    if (close === -1) {
      // A lone "<" in text.
      out.push(html.slice(open));
      break;
    }
    const name = tagName(lower, open + 1);
    if (!name) {
      out.push('<');
      i = open + 1;
      continue;
    }
    const closing = lower[open + 1] === '/';
    i = close + 1;
    if (!closing && (name === 'title' || HIDDEN.has(name))) {
      const end = lower.indexOf(`</${name}`, i);
      const content = html.slice(i, end === -1 ? html.length : end);
      if (name === 'title' && title === undefined) title = collapse(decodeEntities(content));
      // Inside <head> only the title matters, and it was taken above.
      if (name === 'head') {
        const headTitle = /<title[^>]*>([^<]*)/i.exec(content.slice(0, 100_000));
        if (headTitle && title === undefined) title = collapse(decodeEntities(headTitle[1]!));
      }
      const after = end === -1 ? -1 : lower.indexOf('>', end);
      i = after === -1 ? html.length : after + 1;
      continue;
    }
    if (BLOCK.has(name)) out.push(name === 'li' && !closing ? '\n- ' : '\n');
    else if (name === 'td' || name === 'th') out.push(' ');
  }
  return { title: title || undefined, text: tidy(decodeEntities(out.join(''))) };
}

/** The tag name starting at `start` (after "<" and an optional "/"), or undefined when it is not a tag. */
function tagName(lower: string, start: number): string | undefined {
  let i = lower[start] === '/' ? start + 1 : start;
  if (lower[i] === '!' || lower[i] === '?') return '!';
  const from = i;
  while (i < lower.length && ((lower[i]! >= 'a' && lower[i]! <= 'z') || (lower[i]! >= '0' && lower[i]! <= '9'))) i++;
  return i > from ? lower.slice(from, i) : undefined;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\uFFFD';
    }
    return ENTITIES.get(body.toLowerCase()) ?? whole;
  });
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** One space between words, one line break between blocks (compact for a model's context). */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
