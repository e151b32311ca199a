/**
 * How far a migration got, kept on the target beside the data it describes: one row per table
 * (`table:<name>`) or vector collection (`vectors:<collection>`) with the position after the
 * last batch written (the primary key of its last row, or the vector store's scan cursor), the
 * rows written so far and whether it is done. A table's row is written in the same transaction
 * as its batch, so a killed run resumes exactly where its last batch committed.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

export interface ProgressState {
  /** JSON: the last primary key written, or the vector scan's cursor; null before the first batch. */
  position: string | null;
  copied: number;
  done: boolean;
}

const TABLE = 'sutazai_migration_progress';

/** The table is not part of the platform's schema (`Database`): it is reached with raw SQL. */
type AnyDatabase = Kysely<Database>;

async function progressTableExists(db: AnyDatabase): Promise<boolean> {
  const result = await sql<{ found: string | null }>`select to_regclass(${TABLE}) as found`.execute(db);
  return result.rows[0]?.found != null;
}

export async function ensureProgressTable(db: AnyDatabase): Promise<void> {
  await sql`create table if not exists ${sql.table(TABLE)} (
    item text primary key,
    position text,
    copied bigint not null default 0,
    done integer not null default 0,
    source text not null,
    updated_at bigint not null
  )`.execute(db);
}

export async function readProgress(db: AnyDatabase): Promise<Map<string, ProgressState>> {
  if (!(await progressTableExists(db))) return new Map();
  const result = await sql<{ item: string; position: string | null; copied: number | string; done: number }>`select item, position, copied, done from ${sql.table(TABLE)}`.execute(db);
  return new Map(result.rows.map((row) => [row.item, { position: row.position, copied: Number(row.copied), done: row.done === 1 }]));
}

export async function saveProgress(db: AnyDatabase, item: string, state: ProgressState, source: string): Promise<void> {
  await sql`insert into ${sql.table(TABLE)} (item, position, copied, done, source, updated_at)
    values (${item}, ${state.position}, ${state.copied}, ${state.done ? 1 : 0}, ${source}, ${Date.now()})
    on conflict (item) do update set position = excluded.position, copied = excluded.copied, done = excluded.done, source = excluded.source, updated_at = excluded.updated_at`.execute(db);
}

/** Forgets the progress of these items: the next run copies them again from the start. */
export async function resetProgress(db: AnyDatabase, items: readonly string[]): Promise<void> {
  if (items.length === 0) return;
  await sql`delete from ${sql.table(TABLE)} where item in (${sql.join(items)})`.execute(db);
}

export const tableItem = (name: string) => `table:${name}`;
export const vectorItem = (collection: string) => `vectors:${collection}`;
