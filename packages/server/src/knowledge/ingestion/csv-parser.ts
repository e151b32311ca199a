/**
 * CSV (and TSV) to blocks a reader and a retriever can both use: the header row names the
 * columns; each row becomes `column: value` lines (empty values left out), and rows are
 * grouped `rowsPerBlock` at a time into table blocks, rows separated by a blank line, so a
 * chunk holds whole rows with their column names. The first row is always taken as the header.
 */
import { CsvError, parse } from 'csv-parse/sync';
import type { ParsedDocument, TextBlock } from './document.js';
import { DocumentParseError, quoteName } from './document-errors.js';

export interface CsvParseOptions {
  filename?: string | undefined;
  /** The field delimiter; guessed from the first lines when undefined (`,` `;` tab `|`). */
  delimiter?: string | undefined;
  rowsPerBlock: number;
}

export function parseCsv(text: string, options: CsvParseOptions): ParsedDocument {
  const delimiter = options.delimiter ?? guessDelimiter(text);
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: 1_000_000,
    });
  } catch (error) {
    const detail = error instanceof CsvError ? error.message : String(error);
    throw new DocumentParseError(
      'corrupt',
      `${quoteName(options.filename)} could not be read as CSV: ${detail}`,
      'Check the quoting on the line named (a field with a quote, a comma or a line break must be quoted, and quotes inside doubled), or export the sheet as CSV again.',
      { cause: error },
    );
  }
  const rows = records.filter((record) => record.some((cell) => cell.trim() !== ''));
  if (rows.length === 0) return { format: 'csv', title: undefined, blocks: [] };
  const columns = columnNames(rows[0]!);
  const blocks: TextBlock[] = [{ kind: 'paragraph', text: `Columns: ${columns.join(', ')}` }];
  const rendered: string[] = [];
  for (const row of rows.slice(1)) {
    const lines: string[] = [];
    row.forEach((cell, index) => {
      const value = cell.replace(/\s+/g, ' ').trim();
      if (value) lines.push(`${columns[index] ?? `column ${index + 1}`}: ${value}`);
    });
    if (lines.length > 0) rendered.push(lines.join('\n'));
  }
  for (let start = 0; start < rendered.length; start += options.rowsPerBlock) {
    blocks.push({ kind: 'table', text: rendered.slice(start, start + options.rowsPerBlock).join('\n\n') });
  }
  return { format: 'csv', title: undefined, blocks };
}

/** Trimmed header names; blanks become "column N", repeats get " (2)", " (3)". */
function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((cell, index) => {
    const name = cell.replace(/\s+/g, ' ').trim() || `column ${index + 1}`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}

/** The candidate found the same non-zero number of times on most of the first lines (quotes respected). */
export function guessDelimiter(text: string): string {
  const lines = firstLines(text, 20);
  let best = ',';
  let bestScore = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const counts = lines.map((line) => countOutsideQuotes(line, candidate));
    const frequency = new Map<number, number>();
    for (const count of counts) if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    let score = 0;
    for (const [count, lineCount] of frequency) score = Math.max(score, lineCount * 1000 + count);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && lines.length < count; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (lines.length < count && start < text.length) lines.push(text.slice(start, Math.min(text.length, start + 100_000)));
  return lines.filter((line) => line.trim() !== '');
}

function countOutsideQuotes(line: string, character: string): number {
  let count = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === character && !quoted) count++;
  }
  return count;
}
