/**
 * LanceDB: one Lance table per collection in `<dir>` (a folder of files per table), columns
 * `id`, `document_id` and a fixed-size `vector`. Upserts are merge-inserts on `id`.
 *
 * Small tables are searched exactly (a flat scan). Past `indexThreshold` rows the store
 * builds an IVF_HNSW_SQ vector index (cosine) during the upsert that crosses it. Rows added
 * later are searched exactly until they pass `reindexShare` of the table; then `optimize()`
 * indexes them as a delta index and compacts the files. Every delta is one more index to
 * search (15 deltas made queries 8 times slower in the benchmark), so once the table has
 * grown by half since the last full build, the index is built again from scratch instead.
 * Filters on documents are applied before ranking (prefilter).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as lancedb from '@lancedb/lancedb';
import { safeCollectionName } from '../collection-names.js';
import { createSerialQueues } from '../serial-queue.js';
import { checkCollectionName, checkDimensions, checkScan, checkSearchShape, checkedRecords, checkedSearch, type CheckedRecord } from '../vector-checks.js';
import type { VectorStore } from '../vector-store.js';
import { VectorStoreError, collectionNotFound, dimensionsMismatch } from '../vector-store-error.js';

// LanceDB is CommonJS and checks Arrow objects with instanceof: they must come from the same
// (CommonJS) copy of apache-arrow it loads, not from the ESM entry an `import` would pick.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export interface LanceDbStoreOptions {
  /** Folder of the tables; created if missing. */
  dir: string;
  /** Rows at which a table gets its vector index; below, search is a flat exact scan. */
  indexThreshold?: number;
  /** HNSW candidates per search (LanceDB's default is 1.5 × k). */
  ef?: number;
  /** Unindexed rows (as a share of the table) after which new rows are folded into the index. */
  reindexShare?: number;
  /** Writes after which the table's small files are compacted and old versions removed. */
  compactEvery?: number;
  /** Growth since the last full index build after which the index is built again (1.5: by half). */
  rebuildGrowth?: number;
}

interface OpenTable {
  name: string;
  table: lancedb.Table;
  dimensions: number;
  indexed: boolean;
  /** Rows when the index was last built in full (0: unknown, as after a restart). */
  rowsAtBuild: number;
  rowsSinceIndex: number;
  writesSinceCompaction: number;
}

export function createLanceDbStore(options: LanceDbStoreOptions): VectorStore {
  const { dir, indexThreshold = 20_000, ef = 96, reindexShare = 0.1, compactEvery = 50, rebuildGrowth = 1.5 } = options;
  mkdirSync(dir, { recursive: true });
  const connection = lancedb.connect(dir);
  const tables = new Map<string, OpenTable>();
  const queues = createSerialQueues();
  let closed = false;

  async function open(name: string): Promise<OpenTable | undefined> {
    if (closed) throw new VectorStoreError('VECTOR_STORE_FAILED', 'The LanceDB vector store is closed.');
    const cached = tables.get(name);
    if (cached) return cached;
    const db = await connection;
    const tableName = safeCollectionName(name);
    if (!(await db.tableNames()).includes(tableName)) return undefined;
    const table = await db.openTable(tableName);
    const field = (await table.schema()).fields.find((candidate) => candidate.name === 'vector');
    const dimensions = (field?.type as { listSize?: number } | undefined)?.listSize;
    if (!dimensions) throw new VectorStoreError('VECTOR_STORE_FAILED', `The LanceDB table ${tableName} has no fixed-size vector column; it was not made by SutazAI.`);
    const indexed = (await table.listIndices()).some((index) => index.columns.includes('vector'));
    const opened: OpenTable = { name, table, dimensions, indexed, rowsAtBuild: 0, rowsSinceIndex: 0, writesSinceCompaction: 0 };
    tables.set(name, opened);
    return opened;
  }

  function schema(dimensions: number) {
    return new arrow.Schema([
      new arrow.Field('id', new arrow.Utf8(), false),
      new arrow.Field('document_id', new arrow.Utf8(), false),
      new arrow.Field('vector', new arrow.FixedSizeList(dimensions, new arrow.Field('item', new arrow.Float32(), true)), false),
    ]);
  }

  /** Columns built directly: LanceDB's row-object conversion is slow for long vectors. */
  function batch(records: readonly CheckedRecord[], dimensions: number) {
    const flat = new Float32Array(records.length * dimensions);
    records.forEach((record, i) => flat.set(record.vector, i * dimensions));
    const vectorType = new arrow.FixedSizeList(dimensions, new arrow.Field('item', new arrow.Float32(), true));
    const vectors = arrow.makeData({ type: vectorType, length: records.length, nullCount: 0, child: arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat }) });
    return new arrow.Table(schema(dimensions), {
      id: arrow.vectorFromArray(records.map((record) => record.id), new arrow.Utf8()),
      document_id: arrow.vectorFromArray(records.map((record) => record.documentId), new arrow.Utf8()),
      vector: arrow.makeVector(vectors),
    });
  }

  async function buildIndex(target: OpenTable, rows: number): Promise<void> {
    await target.table.createIndex('vector', { config: lancedb.Index.hnswSq({ distanceType: 'cosine' }), replace: true });
    target.indexed = true;
    target.rowsAtBuild = rows;
    target.rowsSinceIndex = 0;
  }

  /** Old versions are removed only after a while: a search still reading one must find its files. */
  const compact = (target: OpenTable) => {
    target.writesSinceCompaction = 0;
    return target.table.optimize({ cleanupOlderThan: new Date(Date.now() - 10 * 60_000) });
  };

  async function maintain(target: OpenTable): Promise<void> {
    if (!target.indexed) {
      if (target.rowsSinceIndex < indexThreshold / 4) return;
      target.rowsSinceIndex = 0;
      const rows = await target.table.countRows();
      if (rows >= indexThreshold) await buildIndex(target, rows);
      return;
    }
    const stats = target.rowsSinceIndex > 0 ? await target.table.indexStats('vector_idx') : undefined;
    if (stats && stats.numUnindexedRows > Math.max(1000, stats.numIndexedRows * reindexShare)) {
      const rows = stats.numIndexedRows + stats.numUnindexedRows;
      if (target.rowsAtBuild === 0) target.rowsAtBuild = stats.numIndexedRows;
      if (rows >= target.rowsAtBuild * rebuildGrowth) await buildIndex(target, rows);
      else {
        target.rowsSinceIndex = 0;
        await compact(target);
      }
    } else if (target.writesSinceCompaction >= compactEvery) {
      await compact(target);
    }
  }

  const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`;

  function failure(action: string, error: unknown): VectorStoreError {
    if (error instanceof VectorStoreError) return error;
    return new VectorStoreError('VECTOR_STORE_FAILED', `LanceDB could not ${action}: ${(error as Error).message}`, { cause: error });
  }

  return {
    kind: 'lancedb',

    async ensureCollection({ name, dimensions }) {
      checkCollectionName(name);
      checkDimensions(dimensions);
      await queues.run(name, async () => {
        const existing = await open(name);
        if (existing) {
          if (existing.dimensions !== dimensions) throw dimensionsMismatch(name, existing.dimensions, dimensions, 'The requested collection');
          return;
        }
        try {
          await (await connection).createEmptyTable(safeCollectionName(name), schema(dimensions), { existOk: true });
        } catch (error) {
          throw failure(`create the collection "${name}"`, error);
        }
      });
    },

    async upsert(name, records) {
      checkCollectionName(name);
      await queues.run(name, async () => {
        const target = await open(name);
        if (!target) throw collectionNotFound(name);
        const checked = checkedRecords(records, target.dimensions, name);
        if (checked.length === 0) return;
        try {
          await target.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(batch(checked, target.dimensions));
          target.rowsSinceIndex += checked.length;
          target.writesSinceCompaction += 1;
          await maintain(target);
        } catch (error) {
          throw failure(`write to "${name}"`, error);
        }
      });
    },

    async search(name, query) {
      checkCollectionName(name);
      const target = await open(name);
      if (!target) {
        checkSearchShape(query);
        return [];
      }
      const { vector, k, documentIds } = checkedSearch(query, target.dimensions, name);
      if (k === 0 || documentIds?.length === 0) return [];
      try {
        let search = target.table.vectorSearch(vector).distanceType('cosine').select(['id', 'document_id', '_distance']).limit(k);
        if (target.indexed) search = search.ef(Math.max(ef, k));
        if (documentIds) search = search.where(`document_id IN (${documentIds.map(quoted).join(', ')})`);
        const rows = (await search.toArray()) as { id: string; document_id: string; _distance: number }[];
        return rows.map((row) => ({ id: row.id, documentId: row.document_id, score: 1 - row._distance }));
      } catch (error) {
        throw failure(`search "${name}"`, error);
      }
    },

    async deleteDocument(name, documentId) {
      checkCollectionName(name);
      await queues.run(name, async () => {
        const target = await open(name);
        if (!target) return;
        try {
          await target.table.delete(`document_id = ${quoted(documentId)}`);
          target.writesSinceCompaction += 1;
        } catch (error) {
          throw failure(`delete from "${name}"`, error);
        }
      });
    },

    async dropCollection(name) {
      checkCollectionName(name);
      await queues.run(name, async () => {
        const target = await open(name);
        if (!target) return;
        tables.delete(name);
        target.table.close();
        try {
          await (await connection).dropTable(safeCollectionName(name));
        } catch (error) {
          throw failure(`drop "${name}"`, error);
        }
      });
    },

    async count(name) {
      checkCollectionName(name);
      const target = await open(name);
      return target ? target.table.countRows() : 0;
    },

    async scan(name, options) {
      checkCollectionName(name);
      checkScan(options);
      const target = await open(name);
      if (!target) return { records: [] };
      try {
        // By id: the last id of a page is where the next one starts, in any process.
        let query = target.table.query().select(['id', 'document_id', 'vector']).orderBy({ columnName: 'id', ascending: true, nullsFirst: false }).limit(options.limit);
        if (options.cursor !== undefined) query = query.where(`id > ${quoted(options.cursor)}`);
        const rows = (await query.toArray()) as { id: string; document_id: string; vector: ArrayLike<number> }[];
        const records = rows.map((row) => ({ id: row.id, documentId: row.document_id, vector: Float32Array.from(row.vector) }));
        return rows.length < options.limit ? { records } : { records, cursor: records.at(-1)!.id };
      } catch (error) {
        throw failure(`read "${name}"`, error);
      }
    },

    async probe() {
      const started = performance.now();
      try {
        const names = await (await connection).tableNames();
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `LanceDB in ${dir}: ${names.length} collection(s)` };
      } catch (error) {
        return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: `Check that ${dir} is readable and writable.` };
      }
    },

    async close() {
      if (closed) return;
      await queues.idle();
      closed = true;
      for (const target of tables.values()) target.table.close();
      tables.clear();
      (await connection).close();
    },
  };
}
