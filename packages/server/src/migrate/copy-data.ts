/**
 * The copy itself: tables in batches by primary key, each batch and its progress in one target
 * transaction; then vectors, page by page from the source store into the target store. Every
 * write is idempotent (an upsert), so a batch written again after a kill changes nothing.
 */
import type { Kysely } from 'kysely';
import { MAX_SCAN_LIMIT, type VectorStore } from '../knowledge/vector-stores/vector-store.js';
import type { Database } from '../storage/schema.js';
import { canonicalVector, type ChecksumColumn } from './content-checksum.js';
import { MigrationError } from './migration-error.js';
import { saveProgress, tableItem, vectorItem, type ProgressState } from './migration-progress.js';
import type { CopiedTable } from './migration-tables.js';
import { keyOf, missingKeys, readPage, upsertRows } from './table-pages.js';

type Db = Kysely<Database>;

export interface CopyHooks {
  /** Called after each batch is written (and its progress with it); `batch` counts from 1 across the run. */
  afterBatch?: (batch: number) => Promise<void>;
  onProgress?: (event: { item: string; copied: number; done: boolean }) => void;
}

export interface CopyContext {
  source: Db;
  target: Db;
  /** Recorded beside the progress: which installation it came from. */
  sourceName: string;
  batchSize: number;
  progress: Map<string, ProgressState>;
  hooks: CopyHooks;
  batches: number;
}

/** Copies what remains of one table; returns the rows written by this run. */
export async function copyTable(context: CopyContext, table: CopiedTable, columns: readonly ChecksumColumn[]): Promise<number> {
  const item = tableItem(table.name);
  const state = context.progress.get(item) ?? { position: null, copied: 0, done: false };
  if (state.done) return 0;
  const names = columns.map((column) => column.name);
  const limit = Math.min(context.batchSize, table.maxBatch ?? Infinity);
  let after = state.position === null ? undefined : (JSON.parse(state.position) as unknown[]);
  let written = 0;
  for (;;) {
    const rows = await readPage(context.source, table, names, after, limit);
    const done = rows.length < limit;
    const next: ProgressState = {
      position: rows.length > 0 ? JSON.stringify(keyOf(table, rows.at(-1)!)) : state.position,
      copied: state.copied + written + rows.length,
      done,
    };
    await context.target.transaction().execute(async (transaction) => {
      if (rows.length > 0) await upsertRows(transaction, table, names, rows);
      await saveProgress(transaction, item, next, context.sourceName);
    });
    written += rows.length;
    context.progress.set(item, next);
    context.hooks.onProgress?.({ item, copied: next.copied, done });
    if (rows.length > 0) await context.hooks.afterBatch?.(++context.batches);
    if (done) return written;
    after = keyOf(table, rows.at(-1)!);
  }
}

export interface VectorCollection {
  name: string;
  dimensions: number;
}

/** Copies what remains of one collection; returns the vectors written by this run. */
export async function copyCollection(context: CopyContext, from: VectorStore, to: VectorStore, collection: VectorCollection): Promise<number> {
  const item = vectorItem(collection.name);
  const state = context.progress.get(item) ?? { position: null, copied: 0, done: false };
  if (state.done) return 0;
  let cursor = state.position === null ? undefined : (JSON.parse(state.position) as string);
  let written = 0;
  for (;;) {
    const page = await from.scan(collection.name, { limit: Math.min(context.batchSize, MAX_SCAN_LIMIT), ...(cursor === undefined ? {} : { cursor }) });
    if (page.records.length > 0) {
      await to.upsert(collection.name, page.records.map((record) => ({ id: record.id, documentId: record.documentId, vector: canonicalVector(record.vector) })));
    }
    written += page.records.length;
    // Saved after the write: a kill in between writes the page again, which changes nothing.
    const next: ProgressState = { position: page.cursor === undefined ? state.position : JSON.stringify(page.cursor), copied: state.copied + written, done: page.cursor === undefined };
    await saveProgress(context.target, item, next, context.sourceName);
    context.progress.set(item, next);
    context.hooks.onProgress?.({ item, copied: next.copied, done: next.done });
    if (page.records.length > 0) await context.hooks.afterBatch?.(++context.batches);
    if (next.done) return written;
    cursor = page.cursor;
  }
}

/**
 * Refuses a target holding rows the source does not have: another installation's users, or
 * data written on the target since. Rows the source also has are this installation's (an
 * earlier, interrupted run, or the `local` user every server start makes) and are overwritten.
 */
export async function checkTargetIsSubset(source: Db, target: Db, tables: readonly CopiedTable[], batchSize: number): Promise<void> {
  for (const table of tables) {
    let after: unknown[] | undefined;
    for (;;) {
      const rows = await readPage(target, table, table.key, after, Math.max(batchSize, 500));
      if (rows.length === 0) break;
      const missing = await missingKeys(source, table, rows.map((row) => keyOf(table, row)));
      if (missing.length > 0) {
        const example = table.key.map((column, i) => `${column}=${JSON.stringify(missing[0]![i])}`).join(', ');
        throw new MigrationError('refused',
          `The target already holds data that is not in the source: ${table.name} has a row (${example}) the embedded installation does not: it belongs to another installation, was written by a server already running on the target, or was deleted from the source after an earlier run copied it.`,
          'stop any server using the target, then migrate into an empty database or a new schema (--to postgres://.../db?schema=new_name); to copy into this one anyway, remove its SutazAI tables first.');
      }
      after = keyOf(table, rows.at(-1)!);
    }
  }
}
