/**
 * HTML to structured blocks: headings (h1-h6), paragraphs, lists (nested ones indented),
 * tables (one `cell | cell` line per row), preformatted text as code. Scripts, styles,
 * navigation, forms' controls and hidden elements are dropped; entities are decoded.
 * Also reads mammoth's rendering of .docx files.
 */
import type { ParsedDocument, TextBlock } from './document.js';
import { decodeEntities } from './html-entities.js';
import { tokenizeHtml } from './html-tokenizer.js';

/** Elements whose content is never shown to a reader, or is page chrome rather than content. */
const HIDDEN = new Set([
  'head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'nav',
  'button', 'select', 'textarea', 'datalist', 'audio', 'video', 'map',
]);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'legend', 'main', 'p', 'section', 'summary',
]);
const LISTS = new Set(['ul', 'ol', 'menu']);
const HEADINGS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

export function parseHtml(html: string, format: 'html' | 'docx' = 'html'): ParsedDocument {
  const builder = new BlockBuilder();
  for (const token of tokenizeHtml(html)) {
    if (token.type === 'text') builder.text(decodeEntities(token.text));
    else if (token.type === 'raw') builder.raw(token.name, token.text);
    else if (token.type === 'open') builder.open(token.name, token.attributes, token.selfClosing);
    else builder.close(token.name);
  }
  return { format, title: builder.finish(), blocks: builder.blocks };
}

interface ListState {
  ordered: boolean;
  counter: number;
}

class BlockBuilder {
  readonly blocks: TextBlock[] = [];
  private title: string | undefined;
  private firstH1: string | undefined;
  private skip: { name: string; depth: number } | undefined;
  /** The paragraph or heading being read; "\n" where a <br> was. */
  private inline = '';
  private headingLevel = 0;
  private preDepth = 0;
  private preText = '';
  private readonly lists: ListState[] = [];
  private listLines: string[] = [];
  private item: { prefix: string; text: string } | undefined;
  private tableDepth = 0;
  private rows: string[][] = [];
  private row: string[] | undefined;
  private cell: string | undefined;

  text(text: string): void {
    if (this.skip) return;
    if (this.preDepth > 0 && this.tableDepth === 0 && this.lists.length === 0) {
      this.preText += text;
      return;
    }
    const collapsed = text.replace(/[ \t\n\r\f]+/g, ' ');
    if (this.tableDepth > 0) {
      if (this.cell !== undefined) this.cell += collapsed;
      else if (collapsed.trim()) this.cell = collapsed; // text straight in a row: a cell of its own
    } else if (this.lists.length > 0) {
      this.item ??= { prefix: this.itemIndent() + '  ', text: '' };
      this.item.text += collapsed;
    } else {
      this.inline += collapsed;
    }
  }

  raw(name: string, text: string): void {
    // A <title> in the head (skipped as a whole) or the body; not an SVG's.
    if (name !== 'title' || this.title !== undefined || (this.skip && this.skip.name !== 'head')) return;
    this.title = collapse(decodeEntities(text)) || undefined;
  }

  open(name: string, attributes: string, selfClosing: boolean): void {
    if (this.skip) {
      if (name === this.skip.name && !selfClosing) this.skip.depth++;
      return;
    }
    const isVoid = VOID.has(name) || selfClosing;
    if (!isVoid && (HIDDEN.has(name) || isHiddenByAttribute(attributes))) {
      this.skip = { name, depth: 1 };
      return;
    }
    if (name === 'br') return this.lineBreak();
    if (this.tableDepth > 0) return this.openInTable(name);
    if (LISTS.has(name)) {
      if (this.lists.length === 0) this.endParagraph();
      else this.endItem();
      this.lists.push({ ordered: name === 'ol', counter: startOf(attributes) - 1 });
      return;
    }
    if (name === 'li' && this.lists.length > 0) {
      this.endItem();
      const list = this.lists[this.lists.length - 1]!;
      list.counter++;
      this.item = { prefix: `${this.itemIndent()}${list.ordered ? `${list.counter}.` : '-'} `, text: '' };
      return;
    }
    if (name === 'table') {
      if (this.lists.length > 0) {
        this.endItem();
        this.endList();
      } else {
        this.endParagraph();
      }
      this.tableDepth = 1;
      this.rows = [];
      return;
    }
    if (this.lists.length > 0) {
      if (BLOCK.has(name) || name in HEADINGS || name === 'pre') this.text(' ');
      return;
    }
    if (name in HEADINGS) {
      this.endParagraph();
      this.headingLevel = HEADINGS[name]!;
      return;
    }
    if (name === 'pre') {
      if (this.preDepth === 0) this.endParagraph();
      this.preDepth++;
      return;
    }
    if (BLOCK.has(name) || name === 'li') this.endParagraph();
  }

  close(name: string): void {
    if (this.skip) {
      if (name === this.skip.name && --this.skip.depth === 0) this.skip = undefined;
      return;
    }
    if (this.tableDepth > 0) return this.closeInTable(name);
    if (LISTS.has(name) && this.lists.length > 0) {
      this.endItem();
      this.lists.pop();
      if (this.lists.length === 0) this.endList();
      return;
    }
    if (name === 'li' && this.lists.length > 0) return this.endItem();
    if (this.lists.length > 0) {
      if (BLOCK.has(name) || name in HEADINGS) this.text(' ');
      return;
    }
    if (name in HEADINGS && this.headingLevel > 0) {
      const text = collapse(this.inline);
      this.inline = '';
      if (text) {
        this.blocks.push({ kind: 'heading', text, level: this.headingLevel });
        if (this.headingLevel === 1) this.firstH1 ??= text;
      }
      this.headingLevel = 0;
      return;
    }
    if (name === 'pre' && this.preDepth > 0) {
      if (--this.preDepth === 0) {
        const code = this.preText.replace(/^\n/, '').replace(/\s+$/, '').replace(/\u00a0/g, ' ');
        if (code.trim()) this.blocks.push({ kind: 'code', text: code });
        this.preText = '';
      }
      return;
    }
    if (BLOCK.has(name) || name === 'li') this.endParagraph();
  }

  /** The title: <title>, else the first h1. */
  finish(): string | undefined {
    if (this.tableDepth > 0) this.closeInTable('table', true);
    this.endItem();
    this.endList();
    if (this.preDepth > 0) {
      this.preDepth = 1;
      this.close('pre');
    }
    if (this.headingLevel > 0) this.close(`h${this.headingLevel}`);
    this.endParagraph();
    return this.title ?? this.firstH1;
  }

  private lineBreak(): void {
    if (this.preDepth > 0 && this.tableDepth === 0 && this.lists.length === 0) this.preText += '\n';
    else if (this.tableDepth > 0 || this.lists.length > 0 || this.headingLevel > 0) this.text(' ');
    else this.inline += '\n';
  }

  private openInTable(name: string): void {
    if (name === 'table') {
      this.tableDepth++;
      return;
    }
    if (this.tableDepth > 1) {
      if (name === 'td' || name === 'th' || name === 'tr' || BLOCK.has(name)) this.text(' ');
      return;
    }
    if (name === 'tr') {
      this.endRow();
      this.row = [];
    } else if (name === 'td' || name === 'th' || name === 'caption') {
      this.endCell();
      if (name === 'caption') this.endRow();
      this.cell = '';
    } else if (BLOCK.has(name) || name in HEADINGS || LISTS.has(name) || name === 'li' || name === 'pre') {
      this.text(' ');
    }
  }

  private closeInTable(name: string, force = false): void {
    if (name === 'table') {
      if (!force && --this.tableDepth > 0) return;
      this.tableDepth = 0;
      this.endRow();
      const text = this.rows.map((cells) => cells.join(' | ')).join('\n');
      if (text.trim()) this.blocks.push({ kind: 'table', text });
      this.rows = [];
      return;
    }
    if (this.tableDepth > 1) return;
    if (name === 'tr') this.endRow();
    else if (name === 'td' || name === 'th') this.endCell();
    else if (name === 'caption') {
      this.endCell();
      this.endRow();
    }
  }

  private endCell(): void {
    if (this.cell === undefined) return;
    (this.row ??= []).push(collapse(this.cell));
    this.cell = undefined;
  }

  private endRow(): void {
    this.endCell();
    if (this.row?.some((cell) => cell !== '')) this.rows.push(this.row);
    this.row = undefined;
  }

  private itemIndent(): string {
    return '  '.repeat(Math.max(0, this.lists.length - 1));
  }

  private endItem(): void {
    if (!this.item) return;
    const text = collapse(this.item.text);
    if (text) this.listLines.push(this.item.prefix + text);
    // Text after a nested list continues the item, indented under it.
    this.item = undefined;
  }

  private endList(): void {
    if (this.listLines.length > 0) this.blocks.push({ kind: 'list', text: this.listLines.join('\n') });
    this.listLines = [];
  }

  private endParagraph(): void {
    if (this.headingLevel > 0) return;
    const text = this.inline
      .split('\n')
      .map(collapse)
      .filter((line) => line !== '')
      .join('\n');
    this.inline = '';
    if (text) this.blocks.push({ kind: 'paragraph', text });
  }
}

function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

function isHiddenByAttribute(attributes: string): boolean {
  if (!attributes) return false;
  return (
    /(?:^|\s)hidden(?:\s|=|\/|$)/i.test(attributes) ||
    /\baria-hidden\s*=\s*["']?true/i.test(attributes) ||
    /\bstyle\s*=\s*["'][^"']*display\s*:\s*none/i.test(attributes)
  );
}

function startOf(attributes: string): number {
  const match = /\bstart\s*=\s*["']?(-?\d{1,6})/i.exec(attributes);
  return match ? Number(match[1]) : 1;
}
