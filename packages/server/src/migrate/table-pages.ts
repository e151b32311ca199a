/**
 * Tables read and written in pages by primary key, with the same SQL on SQLite and PostgreSQL
 * (Kysely's `sql` writes each dialect's placeholders). A page starts after the last key of the
 * one before (`(a, b) > (x, y)`), so each page is an index range, not an offset.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../storage/schema.js';
import { withoutNul } from '../storage/storable-text.js';
import type { ChecksumColumn, ColumnKind } from './content-checksum.js';
import type { CopiedTable } from './migration-tables.js';
import { MigrationError } from './migration-error.js';

type Db = Kysely<Database>;
export type Row = Record<string, unknown>;

/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 60_000;

const list = (names: readonly string[]) => sql.join(names.map((name) => sql.ref(name)));

/** The columns of a table in the source (SQLite), with the kind their values are compared as. */
async function sourceColumns(db: Db, table: string): Promise<ChecksumColumn[]> {
  const result = await sql<{ name: string; type: string }>`select name, type from pragma_table_info(${table}) order by cid`.execute(db);
  return result.rows.map((row) => ({ name: row.name, kind: kindOf(row.type) }));
}

function kindOf(declared: string): ColumnKind {
  if (/int/i.test(declared)) return 'integer';
  if (/blob|bytea/i.test(declared)) return 'bytes';
  return 'text';
}

/** The target's columns a row is written to (PostgreSQL's generated `tsv` is computed, not written); undefined when the table does not exist yet. */
async function targetColumns(db: Db, table: string): Promise<string[] | undefined> {
  const result = await sql<{ column_name: string; is_generated: string }>`select column_name, is_generated from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  if (result.rows.length === 0) return undefined;
  return result.rows.filter((row) => row.is_generated !== 'ALWAYS').map((row) => row.column_name);
}

/** The columns to copy: the same on both sides, or the schemas are not at the same migration. */
export async function copiedColumns(source: Db, target: Db, table: CopiedTable): Promise<ChecksumColumn[]> {
  const columns = await sourceColumns(source, table.name);
  if (columns.length === 0) throw new MigrationError('input', `--from: the source has no table ${table.name}.`, 'point --from at a SutazAI database; run it once with the current version (it brings its schema up to date) before migrating.');
  const onTarget = await targetColumns(target, table.name);
  if (onTarget) {
    const sourceNames = columns.map((column) => column.name).sort();
    const targetNames = [...onTarget].sort();
    if (sourceNames.join() !== targetNames.join()) {
      throw new MigrationError('input', `The table ${table.name} has columns ${sourceNames.join(', ')} in the source but ${targetNames.join(', ')} in the target.`,
        'run both with the same SutazAI version: migrate brings both schemas up to date unless --dry-run is given.');
    }
  }
  return columns;
}

export function keyOf(table: CopiedTable, row: Row): unknown[] {
  return table.key.map((column) => row[column]);
}

/** Up to `limit` rows after `after` (a primary key), in primary-key order. */
export async function readPage(db: Db, table: CopiedTable, columns: readonly string[], after: readonly unknown[] | undefined, limit: number): Promise<Row[]> {
  const from = after ? sql`where (${list(table.key)}) > (${sql.join(after)})` : sql``;
  const result = await sql<Row>`select ${list(columns)} from ${sql.table(table.name)} ${from} order by ${list(table.key)} limit ${limit}`.execute(db);
  return result.rows;
}

/** Inserts rows, or overwrites the row of the same key with them: a batch written twice leaves one copy. */
export async function upsertRows(db: Db, table: CopiedTable, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const update = columns.filter((column) => !table.key.includes(column));
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const values = rows.slice(start, start + perStatement).map((row) => sql`(${sql.join(columns.map((column) => storable(row[column] ?? null)))})`);
    const onConflict: RawBuilder<unknown> = update.length === 0
      ? sql`do nothing`
      : sql`do update set ${sql.join(update.map((column) => sql`${sql.ref(column)} = excluded.${sql.ref(column)}`))}`;
    await sql`insert into ${sql.table(table.name)} (${list(columns)}) values ${sql.join(values)} on conflict (${list(table.key)}) ${onConflict}`.execute(db);
  }
}

/** Text as PostgreSQL can hold it: an older SQLite installation may keep NUL (`withoutNul`); the checksums compare text without it too. */
function storable(value: unknown): unknown {
  return typeof value === 'string' ? withoutNul(value) : value;
}

/** Of these keys, the ones the table does not hold. */
export async function missingKeys(db: Db, table: CopiedTable, keys: readonly unknown[][]): Promise<unknown[][]> {
  if (keys.length === 0) return [];
  const wanted = sql.join(keys.map((key) => sql`(${sql.join(key)})`));
  // A row-value IN over a VALUES list works on both engines, for one key column or several.
  const result = await sql<Row>`select ${list(table.key)} from ${sql.table(table.name)} where (${list(table.key)}) in (values ${wanted})`.execute(db);
  const found = new Set(result.rows.map((row) => JSON.stringify(keyOf(table, row))));
  return keys.filter((key) => !found.has(JSON.stringify(key)));
}

/** The names of the tables that hold data, for the check that every one of them is copied. */
export async function tableNames(db: Db, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const result = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return result.rows.map((row) => row.name);
}
