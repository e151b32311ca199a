/**
 * JSON (and JSON Lines) to `path: value` lines, one per leaf: `a.b[2].c: value`. The
 * top-level entries (array elements, object members, JSON Lines records) are the records;
 * they are grouped `recordsPerBlock` at a time into table blocks, separated by a blank line.
 * The walk is iterative, so deep nesting cannot overflow the stack.
 */
import type { ParsedDocument, TextBlock } from './document.js';
import { DocumentParseError, quoteName } from './document-errors.js';

export interface JsonParseOptions {
  filename?: string | undefined;
  /** JSON Lines: one value per line. */
  lines: boolean;
  recordsPerBlock: number;
}

export function parseJson(text: string, options: JsonParseOptions): ParsedDocument {
  const source = text.replace(/^\uFEFF/, '');
  const records: Array<{ path: string; value: unknown }> = [];
  if (options.lines) {
    source.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      records.push({ path: `[${records.length}]`, value: parseOrExplain(line, options.filename, index + 1) });
    });
  } else {
    const root = parseOrExplain(source, options.filename, undefined);
    if (Array.isArray(root)) root.forEach((value, index) => records.push({ path: `[${index}]`, value }));
    else if (isObject(root) && Object.keys(root).length > 0) for (const [key, value] of Object.entries(root)) records.push({ path: pathKey('', key), value });
    else records.push({ path: '', value: root });
  }
  const rendered = records.map((record) => leafLines(record.path, record.value).join('\n'));
  const blocks: TextBlock[] = [];
  for (let start = 0; start < rendered.length; start += options.recordsPerBlock) {
    blocks.push({ kind: 'table', text: rendered.slice(start, start + options.recordsPerBlock).join('\n\n') });
  }
  return { format: 'json', title: undefined, blocks };
}

function parseOrExplain(text: string, filename: string | undefined, line: number | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = line === undefined ? '' : ` on line ${line}`;
    throw new DocumentParseError(
      'corrupt',
      `${quoteName(filename)} is not valid JSON${where}: ${(error as Error).message}`,
      line === undefined
        ? 'Fix the JSON at the position named (a validator such as `jq . file.json` shows it), or upload it as a .txt file to index it as text.'
        : 'In JSON Lines each line must be one complete JSON value; fix the line named, or upload it as a .txt file.',
      { cause: error },
    );
  }
}

/** Every leaf under `value` as `path: value`, in document order. */
function leafLines(rootPath: string, rootValue: unknown): string[] {
  const lines: string[] = [];
  const stack: Array<{ path: string; value: unknown }> = [{ path: rootPath, value: rootValue }];
  while (stack.length > 0) {
    const { path, value } = stack.pop()!;
    if (Array.isArray(value) && value.length > 0) {
      for (let index = value.length - 1; index >= 0; index--) stack.push({ path: `${path}[${index}]`, value: value[index] });
    } else if (isObject(value) && Object.keys(value).length > 0) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index--) stack.push({ path: pathKey(path, entries[index]![0]), value: entries[index]![1] });
    } else {
      const shown = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : JSON.stringify(value);
      lines.push(path ? `${path}: ${shown}` : shown);
    }
  }
  return lines;
}

function pathKey(parent: string, key: string): string {
  if (/^[\p{L}_$][\p{L}\p{N}_$-]*$/u.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
