/**
 * Counts and checksums of both sides, computed the same way (`content-checksum.ts`): each table
 * read in pages by primary key on each engine, each vector collection scanned in each store.
 */
import type { Kysely } from 'kysely';
import { MAX_SCAN_LIMIT, type VectorStore } from '../knowledge/vector-stores/vector-store.js';
import type { Database } from '../storage/schema.js';
import { MultisetChecksum, addVector, canonicalRow, type ChecksumColumn } from './content-checksum.js';
import type { CopiedTable } from './migration-tables.js';
import { keyOf, readPage } from './table-pages.js';

export interface Tally {
  count: number;
  checksum: string;
}

const PAGE = 1000;

export async function tableTally(db: Kysely<Database>, table: CopiedTable, columns: readonly ChecksumColumn[], exists = true): Promise<Tally> {
  const checksum = new MultisetChecksum();
  if (exists) {
    const names = columns.map((column) => column.name);
    // A table of large rows (uploaded files) is read a copy batch at a time, as the copy reads it.
    const limit = table.maxBatch ?? PAGE;
    let after: unknown[] | undefined;
    for (;;) {
      const rows = await readPage(db, table, names, after, limit);
      for (const row of rows) checksum.add(canonicalRow(table.name, columns, row));
      if (rows.length < limit) break;
      after = keyOf(table, rows.at(-1)!);
    }
  }
  return { count: checksum.count, checksum: checksum.hex() };
}

export async function collectionTally(store: VectorStore | undefined, collection: string): Promise<Tally> {
  const checksum = new MultisetChecksum();
  let cursor: string | undefined;
  if (store) {
    do {
      const page = await store.scan(collection, { limit: MAX_SCAN_LIMIT, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.records) addVector(checksum, record);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return { count: checksum.count, checksum: checksum.hex() };
}
