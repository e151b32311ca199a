/**
 * `sutazai migrate`: copies an embedded installation (SQLite + usearch) to a scale-out one
 * (PostgreSQL + the configured vector store), resumable, and verifies the result by counts and
 * checksums of every table and vector collection on both sides.
 *
 * 1. Open both ends; the target's schema is brought up to date by the server's migrations.
 * 2. Check before writing: every table is one migrate knows, both schemas have the same
 *    columns, the target holds nothing the source does not have (else it is refused), and the
 *    target's vector store can take the collections (pgvector installed, Qdrant answering).
 * 3. Copy what the progress on the target says remains: tables in batches, then vectors.
 * 4. Count and checksum both sides; a table or collection that differs has its progress
 *    forgotten, so running again copies it again.
 */
import { sql, type Kysely } from 'kysely';
import { collectionOf } from '../knowledge/vector-stores/collection-names.js';
import { VectorStoreError, type VectorStore } from '../knowledge/vector-stores/vector-store.js';
import type { Database } from '../storage/schema.js';
import { checkTargetIsSubset, copyCollection, copyTable, type CopyContext, type CopyHooks, type VectorCollection } from './copy-data.js';
import type { ChecksumColumn } from './content-checksum.js';
import { openEndpoints, type MigrationEndpoints, type OpenEndpointsOptions } from './migration-endpoints.js';
import { MigrationError } from './migration-error.js';
import { ensureProgressTable, readProgress, resetProgress, tableItem, vectorItem } from './migration-progress.js';
import { COPIED_TABLES, unknownTables } from './migration-tables.js';
import { copiedColumns, tableNames } from './table-pages.js';
import { collectionTally, tableTally, type Tally } from './verify-migration.js';

export interface RunMigrationOptions extends OpenEndpointsOptions {
  /** Rows (or vectors) per batch: each batch is one target transaction and one progress step. */
  batchSize: number;
  hooks?: CopyHooks;
}

export type ItemStatus = 'equal' | 'different' | 'to copy';

export interface TableReport {
  name: string;
  source_rows: number;
  target_rows: number;
  source_checksum: string;
  target_checksum: string;
  copied_now: number;
  status: ItemStatus;
}

export interface CollectionReport {
  collection: string;
  source_vectors: number;
  target_vectors: number;
  source_checksum: string;
  target_checksum: string;
  copied_now: number;
  status: ItemStatus;
}

export interface MigrationReport {
  /** Everything equal (a dry run: nothing refused). */
  ok: boolean;
  dry_run: boolean;
  source: { database: string; data_dir: string; vectors: string };
  target: { database: string; vectors: string };
  /** The target had progress of an earlier run. */
  resumed: boolean;
  /** Nothing was left to copy: the run only verified. */
  already_complete: boolean;
  tables: TableReport[];
  vectors: CollectionReport[];
  copied_rows: number;
  copied_vectors: number;
  copy_seconds: number;
  /** Rows and vectors written per second of copying; null when nothing was copied. */
  items_per_second: number | null;
  problems: string[];
}

export async function runMigration(options: RunMigrationOptions): Promise<MigrationReport> {
  const endpoints = await openEndpoints(options);
  try {
    return await migrate(endpoints, options);
  } finally {
    await endpoints.close();
  }
}

async function migrate(endpoints: MigrationEndpoints, options: RunMigrationOptions): Promise<MigrationReport> {
  const { source, target } = endpoints;
  const from = source.storage.db;
  const to = target.storage.db;

  const unknown = unknownTables(await tableNames(from, 'sqlite'));
  if (unknown.length > 0) {
    throw new MigrationError('input', `--from: the database has ${unknown.length === 1 ? 'a table' : 'tables'} migrate does not copy: ${unknown.join(', ')}.`,
      'run migrate of the same SutazAI version as the database; if that version made the table, it is missing from migrate/migration-tables.ts: report it.');
  }
  // Not a SutazAI table of this version: another application's (PostGIS puts spatial_ref_sys in public), or a newer SutazAI's.
  const targetTables = await tableNames(to, 'postgres');
  const foreign = unknownTables(targetTables);
  if (foreign.length > 0) {
    throw new MigrationError('input', `--to: the target schema has ${foreign.length === 1 ? 'a table' : 'tables'} that ${foreign.length === 1 ? 'is' : 'are'} not this SutazAI version's: ${foreign.join(', ')}.`,
      'migrate into an empty database or a new schema (--to postgres://.../db?schema=new_name).');
  }
  const columns = new Map<string, ChecksumColumn[]>();
  for (const table of COPIED_TABLES) columns.set(table.name, await copiedColumns(from, to, table));
  // Only a dry run can find tables missing: every other run has just migrated the target's schema.
  const onTarget = new Set(targetTables);
  const collections = await sourceCollections(from);
  const expectedVectors = await recordedVectors(from);
  if (!source.vectors && expectedVectors > 0) {
    throw new MigrationError('input', `--data-dir: ${source.vectorDir} has no embedded vector store (usearch.sqlite), but the database records ${expectedVectors} vectors.`,
      'give --data-dir the embedded installation\'s DATA_DIR (the folder whose vectors/ holds usearch.sqlite).');
  }
  const copyVectors = source.vectors !== undefined && !target.vectorsInPlace;
  const withVectors: VectorCollection[] = [];
  if (source.vectors) for (const collection of collections) if ((await source.vectors.count(collection.name)) > 0) withVectors.push(collection);

  const progress = await readProgress(to);
  const resumed = progress.size > 0;
  const pending = COPIED_TABLES.some((table) => !progress.get(tableItem(table.name))?.done)
    || (copyVectors && withVectors.some((collection) => !progress.get(vectorItem(collection.name))?.done));
  const context: CopyContext = { source: from, target: to, sourceName: source.file, batchSize: options.batchSize, progress, hooks: options.hooks ?? {}, batches: 0 };
  const copiedNow = new Map<string, number>();
  let copySeconds = 0;

  if (options.dryRun) {
    await checkTargetIsSubset(from, to, COPIED_TABLES.filter((table) => onTarget.has(table.name)), options.batchSize);
    // Without a store (an embedded one not made yet) there is nothing to probe: it is made on the copy.
    if (copyVectors && withVectors.length > 0 && target.vectors) {
      const probe = await target.vectors.probe();
      if (probe.status !== 'healthy') throw new MigrationError('input', `The target's vector store (${target.vectorsDescription}) cannot take the vectors: ${probe.detail}`, probe.hint ?? 'check VECTOR_STORE and its settings.');
    }
  } else if (pending) {
    // Opened for every run that writes (only a dry run may lack it).
    const targetVectors = target.vectors!;
    await checkTargetIsSubset(from, to, COPIED_TABLES, options.batchSize);
    // The vector store is readied before any row is copied: one that cannot take the vectors stops the run here.
    if (copyVectors) for (const collection of withVectors) await ensureTargetCollection(targetVectors, target.vectorsDescription, collection);
    await ensureProgressTable(to);
    const started = performance.now();
    for (const table of COPIED_TABLES) copiedNow.set(tableItem(table.name), await copyTable(context, table, columns.get(table.name)!));
    if (copyVectors) {
      for (const collection of withVectors) copiedNow.set(vectorItem(collection.name), await copyCollection(context, source.vectors!, targetVectors, collection));
    }
    copySeconds = (performance.now() - started) / 1000;
  }

  const status = (a: Tally, b: Tally): ItemStatus => (a.count === b.count && a.checksum === b.checksum ? 'equal' : options.dryRun ? 'to copy' : 'different');
  const tables: TableReport[] = [];
  for (const table of COPIED_TABLES) {
    const sourceTally = await tableTally(from, table, columns.get(table.name)!);
    const targetTally = await tableTally(to, table, columns.get(table.name)!, onTarget.has(table.name));
    tables.push({
      name: table.name, source_rows: sourceTally.count, target_rows: targetTally.count, source_checksum: sourceTally.checksum, target_checksum: targetTally.checksum,
      copied_now: copiedNow.get(tableItem(table.name)) ?? 0, status: status(sourceTally, targetTally),
    });
  }
  const vectors: CollectionReport[] = [];
  for (const collection of collections) {
    const sourceTally = await collectionTally(source.vectors, collection.name);
    const targetTally = source.vectors && target.vectorsInPlace ? sourceTally : await collectionTally(target.vectors, collection.name);
    vectors.push({
      collection: collection.name, source_vectors: sourceTally.count, target_vectors: targetTally.count, source_checksum: sourceTally.checksum, target_checksum: targetTally.checksum,
      copied_now: copiedNow.get(vectorItem(collection.name)) ?? 0, status: status(sourceTally, targetTally),
    });
  }

  const problems: string[] = [];
  if (!options.dryRun) {
    const differing = [...tables.filter((table) => table.status === 'different').map((table) => tableItem(table.name)),
      ...vectors.filter((collection) => collection.status === 'different').map((collection) => vectorItem(collection.collection))];
    if (differing.length > 0) {
      await resetProgress(to, differing);
      problems.push(`${differing.length} of ${tables.length + vectors.length} differ after the copy (${differing.map((item) => item.replace(/^(table|vectors):/, '')).join(', ')}): `
        + 'the source changed while or since it was copied (was a server running on it?), or the target was written to. Stop every server on both, then run the same command again: it copies those again.');
    }
  }
  const copiedRows = tables.reduce((sum, table) => sum + table.copied_now, 0);
  const copiedVectors = vectors.reduce((sum, collection) => sum + collection.copied_now, 0);
  return {
    ok: problems.length === 0,
    dry_run: options.dryRun,
    source: { database: source.storage.describe(), data_dir: source.dataDir, vectors: source.vectors ? `embedded (usearch) in ${source.vectorDir}` : `none in ${source.vectorDir}` },
    target: { database: target.storage.describe(), vectors: target.vectorsInPlace ? `${target.vectorsDescription} (the source's own: left in place)` : target.vectorsDescription },
    resumed,
    already_complete: !options.dryRun && !pending,
    tables,
    vectors,
    copied_rows: copiedRows,
    copied_vectors: copiedVectors,
    copy_seconds: Math.round(copySeconds * 1000) / 1000,
    items_per_second: copySeconds > 0 && copiedRows + copiedVectors > 0 ? Math.round((copiedRows + copiedVectors) / copySeconds) : null,
    problems,
  };
}

/** The collections search uses: one per knowledge base that has an embedding model, as the knowledge service names them. */
async function sourceCollections(db: Kysely<Database>): Promise<VectorCollection[]> {
  const rows = await db.selectFrom('knowledge_bases').select(['id', 'embedding_model', 'embedding_dimensions']).where('embedding_model', 'is not', null).orderBy('id').execute();
  return rows.flatMap((row) => (row.embedding_model === null ? [] : [{ name: collectionOf(row.id, row.embedding_model), dimensions: Number(row.embedding_dimensions) }]));
}

async function recordedVectors(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ n: number | null }>`select sum(vector_count) as n from knowledge_documents`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

async function ensureTargetCollection(vectors: VectorStore, description: string, collection: VectorCollection): Promise<void> {
  try {
    await vectors.ensureCollection(collection);
  } catch (error) {
    if (!(error instanceof VectorStoreError)) throw error;
    throw new MigrationError('input', `The target's vector store (${description}) cannot take the vectors, so nothing was copied: ${error.message.replace(/\.$/, '')}.`,
      error.hint ?? 'check VECTOR_STORE and its settings (QDRANT_URL, the pgvector extension), or choose another with --vector-store.', { cause: error });
  }
}
