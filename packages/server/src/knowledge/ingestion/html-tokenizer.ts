/**
 * A forgiving HTML tokenizer: text, start tags, end tags; comments, doctypes and processing
 * instructions dropped; the content of raw-text elements (script, style, title, textarea)
 * taken whole. One pass with no backtracking, so a hostile page costs time proportional to
 * its size.
 */

export type HtmlToken =
  | { type: 'text'; text: string }
  | { type: 'open'; name: string; attributes: string; selfClosing: boolean }
  | { type: 'close'; name: string }
  /** The content of a raw-text element, entities not decoded. */
  | { type: 'raw'; name: string; text: string };

const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'noembed', 'noframes', 'iframe', 'plaintext']);

export function* tokenizeHtml(html: string): Generator<HtmlToken> {
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf('<', i);
    if (open === -1) {
      yield { type: 'text', text: html.slice(i) };
      return;
    }
    if (open > i) yield { type: 'text', text: html.slice(i, open) };
    const next = html[open + 1];
    if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    if (next === '!' || next === '?') {
      // Doctype, CDATA, processing instruction.
      const end = html.indexOf('>', open + 2);
      i = end === -1 ? html.length : end + 1;
      continue;
    }
    const closing = next === '/';
    const nameStart = closing ? open + 2 : open + 1;
    let nameEnd = nameStart;
    while (nameEnd < html.length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart || !isLetter(html.charCodeAt(nameStart))) {
      // "a < b" in text.
      yield { type: 'text', text: '<' };
      i = open + 1;
      continue;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    const end = tagEnd(html, nameEnd);
    if (end === -1) {
      yield { type: 'text', text: html.slice(open) };
      return;
    }
    if (closing) {
      yield { type: 'close', name };
      i = end + 1;
      continue;
    }
    const attributes = html.slice(nameEnd, end);
    const selfClosing = attributes.endsWith('/');
    yield { type: 'open', name, attributes, selfClosing };
    i = end + 1;
    if (RAW_TEXT.has(name) && !selfClosing) {
      const closer = new RegExp(`</${name}(?=[\\s/>])`, 'gi');
      closer.lastIndex = i;
      const match = closer.exec(html);
      const contentEnd = match ? match.index : html.length;
      yield { type: 'raw', name, text: html.slice(i, contentEnd) };
      yield { type: 'close', name };
      const after = match ? html.indexOf('>', contentEnd) : -1;
      i = after === -1 ? html.length : after + 1;
    }
  }
}

/** The index of the ">" closing a tag whose attributes start at `from`; quotes in attribute values may hold ">". */
function tagEnd(html: string, from: number): number {
  let quote = '';
  let afterEquals = false;
  for (let i = from; i < html.length; i++) {
    const c = html[i]!;
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '>') return i;
    if ((c === '"' || c === "'") && afterEquals) quote = c;
    if (c === '=') afterEquals = true;
    else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') afterEquals = false;
  }
  return -1;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isNameChar(code: number): boolean {
  return isLetter(code) || (code >= 48 && code <= 57) || code === 45 || code === 58;
}
