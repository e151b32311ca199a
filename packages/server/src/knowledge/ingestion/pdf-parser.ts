/**
 * PDF to blocks with pdfjs-dist (legacy build, text only, no canvas): per page, text items
 * become lines (by baseline), lines become paragraphs (by vertical gaps and font size), lines
 * in a larger font become headings (levels by size), bullet lines become lists. Words broken
 * by a hyphen at a line end are joined, dot leaders shortened to "…", and table-of-contents
 * lines are never headings. A page number alone on a page's first or last line is dropped;
 * each block keeps its page.
 */
import type { ParsedDocument, TextBlock } from './document.js';
import { DocumentParseError, DocumentTooLargeError, quoteName } from './document-errors.js';

export interface PdfParseOptions {
  filename?: string | undefined;
  maxPages: number;
}

interface Line {
  text: string;
  x: number;
  y: number;
  size: number;
}

interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsModule: Promise<PdfJs> | undefined;

function loadPdfJs(): Promise<PdfJs> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

const PAGE_NUMBER = /^(page\s+)?\d{1,4}(\s*(of|\/)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$|^(?=[ivx])x{0,3}(ix|iv|v?i{0,3})$/i;
/** Dot leaders, as in a table of contents ("Utilities . . . . . 5"). */
const LEADER = /(?:\s?\.){4,}\s*/g;
const TABLE_OF_CONTENTS_ENTRY = / … \S*$/;
const BULLET = /^([•◦▪‣∙·●○■□➢►\-–*]|\d{1,3}[.)]|[a-z][.)])\s+/;

export async function parsePdf(bytes: Uint8Array, options: PdfParseOptions): Promise<ParsedDocument> {
  const name = quoteName(options.filename);
  const pdfjs = await loadPdfJs();
  // pdf.js may take ownership of the buffer it is given: give it a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
  });
  try {
    let document: Awaited<typeof task.promise>;
    try {
      document = await task.promise;
    } catch (error) {
      throw openError(error, name);
    }
    if (document.numPages > options.maxPages) {
      throw new DocumentTooLargeError(
        'pages',
        document.numPages,
        options.maxPages,
        `${name} has ${document.numPages} pages; at most ${options.maxPages} are read.`,
        'Split the PDF into smaller files, or ask an administrator to raise the page limit.',
      );
    }
    const pages: Line[][] = [];
    const warnings: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      try {
        const page = await document.getPage(number);
        const content = await page.getTextContent();
        pages.push(pageLines(content.items.filter((item): item is PdfTextItem & typeof item => 'str' in item)));
        page.cleanup();
      } catch (error) {
        pages.push([]);
        warnings.push(`page ${number} could not be read (${(error as Error).message})`);
      }
    }
    const empty = pages.flatMap((lines, index) => (lines.length === 0 ? [index + 1] : []));
    if (empty.length === pages.length) {
      throw new DocumentParseError(
        'no-text',
        `${name} has no text layer: it is probably scanned images, and SutazAI does not run OCR.`,
        'Run it through OCR first (for example `ocrmypdf in.pdf out.pdf`) and upload the result, or upload the original text.',
      );
    }
    if (empty.length > 0) warnings.push(`${empty.length === 1 ? 'page' : 'pages'} ${empty.join(', ')} had no text (images are not read)`);
    const blocks = linesToBlocks(pages);
    const info = (await document.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const metadataTitle = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : undefined;
    const title = metadataTitle ?? blocks.find((block) => block.kind === 'heading' && block.level === 1)?.text;
    return { format: 'pdf', title, blocks, pageCount: document.numPages, ...(warnings.length > 0 ? { warnings } : {}) };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

function openError(error: unknown, name: string): Error {
  const kind = (error as { name?: string } | undefined)?.name;
  if (kind === 'PasswordException') {
    return new DocumentParseError(
      'encrypted',
      `${name} is password-protected.`,
      'Open it with its password and save or print it as a PDF without one, then upload that.',
      { cause: error },
    );
  }
  return new DocumentParseError(
    'corrupt',
    `${name} is not a readable PDF (${(error as Error)?.message ?? String(error)}).`,
    'The file may be damaged or only partly downloaded: open it in a PDF reader to check, and export or download it again.',
    { cause: error },
  );
}

/** Text items to lines: a new line at an end-of-line mark or a change of baseline. */
function pageLines(items: PdfTextItem[]): Line[] {
  const lines: Line[] = [];
  let current: (Line & { endX: number }) | undefined;
  const end = (): void => {
    if (current) {
      const text = current.text.replace(LEADER, ' … ').replace(/\s+/g, ' ').trim();
      if (text) lines.push({ text, x: current.x, y: current.y, size: current.size });
    }
    current = undefined;
  };
  for (const item of items) {
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 1;
    if (item.str !== '') {
      if (current && Math.abs(y - current.y) > 0.5 * Math.min(size, current.size)) end();
      if (!current) {
        current = { text: item.str, x, y, size, endX: x + item.width };
      } else {
        const gap = x - current.endX;
        if (gap > 0.2 * size && !/\s$/.test(current.text) && !/^\s/.test(item.str)) current.text += ' ';
        current.text += item.str;
        current.endX = x + item.width;
        current.size = Math.max(current.size, size);
      }
    }
    if (item.hasEOL) end();
  }
  end();
  // A page number alone at the top or the bottom.
  if (lines.length > 0 && PAGE_NUMBER.test(lines[lines.length - 1]!.text)) lines.pop();
  if (lines.length > 0 && PAGE_NUMBER.test(lines[0]!.text)) lines.shift();
  return lines;
}

function linesToBlocks(pages: Line[][]): TextBlock[] {
  const bodySize = mostCommonSize(pages.flat());
  const isHeadingLine = (line: Line): boolean =>
    line.size >= bodySize * 1.15 && line.text.length <= 200 && /\p{L}/u.test(line.text) && !TABLE_OF_CONTENTS_ENTRY.test(line.text);
  const headingSizes = [...new Set(pages.flat().filter(isHeadingLine).map((line) => round(line.size)))].sort((a, b) => b - a);
  const levelOf = (line: Line): number => Math.min(6, headingSizes.indexOf(round(line.size)) + 1);

  const blocks: TextBlock[] = [];
  pages.forEach((lines, pageIndex) => {
    const page = pageIndex + 1;
    const spacing = typicalSpacing(lines);
    let block: TextBlock | undefined;
    let previous: Line | undefined;
    const flush = (): void => {
      if (block && block.text.trim()) blocks.push(block);
      block = undefined;
    };
    for (const line of lines) {
      const gap = previous ? previous.y - line.y : 0;
      const brokenFlow =
        !previous || gap > spacing * 1.4 || gap < -spacing * 0.5 || Math.abs(line.size - previous.size) > previous.size * 0.15;
      if (isHeadingLine(line)) {
        const level = levelOf(line);
        if (block?.kind === 'heading' && block.level === level && !brokenFlow) block.text += ` ${line.text}`;
        else {
          flush();
          block = { kind: 'heading', text: line.text, level, page };
        }
      } else if (BULLET.test(line.text)) {
        if (block?.kind === 'list' && !(gap > spacing * 2.5)) block.text += `\n${line.text}`;
        else {
          flush();
          block = { kind: 'list', text: line.text, page };
        }
      } else if (block && block.kind !== 'heading' && !brokenFlow) {
        block.text = joinLines(block.text, line.text);
      } else {
        flush();
        block = { kind: 'paragraph', text: line.text, page };
      }
      previous = line;
    }
    flush();
  });
  return blocks;
}

/** Joins a wrapped line: "con-" + "tinued" is "continued"; otherwise a space. */
function joinLines(before: string, after: string): string {
  if (/\p{Ll}-$/u.test(before) && /^\p{Ll}/u.test(after)) return before.slice(0, -1) + after;
  return `${before} ${after}`;
}

function round(size: number): number {
  return Math.round(size * 2) / 2;
}

/** The font size with the most characters: the body text. */
function mostCommonSize(lines: Line[]): number {
  const weight = new Map<number, number>();
  for (const line of lines) weight.set(round(line.size), (weight.get(round(line.size)) ?? 0) + line.text.length);
  let best = 0;
  let bestWeight = -1;
  for (const [size, total] of weight) if (total > bestWeight) [best, bestWeight] = [size, total];
  return best || 11;
}

/** The median baseline distance between consecutive lines of the page going down. */
function typicalSpacing(lines: Line[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const gap = lines[i - 1]!.y - lines[i]!.y;
    if (gap > 0 && Math.abs(lines[i]!.size - lines[i - 1]!.size) < 0.5) gaps.push(gap);
  }
  const size = lines.map((line) => line.size).sort((a, b) => a - b)[Math.floor(lines.length / 2)] ?? 11;
  if (gaps.length === 0) return size * 1.2;
  gaps.sort((a, b) => a - b);
  // On a page of one-line paragraphs the median gap is a paragraph gap: cap it.
  return Math.min(gaps[Math.floor(gaps.length / 2)]!, size * 1.5);
}
