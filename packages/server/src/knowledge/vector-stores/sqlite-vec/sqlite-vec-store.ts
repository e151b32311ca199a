/**
 * sqlite-vec: one `vec0` virtual table per collection in a SQLite file of its own
 * (`<dir>/sqlite-vec.sqlite`, not the main database), with a `collections` table naming each
 * collection's table and dimensions. vec0 searches exactly (a brute-force scan, cosine
 * distance) and filters on the `document_id` metadata column during the scan, so a filter
 * never starves k.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { safeCollectionName } from '../collection-names.js';
import { checkCollectionName, checkDimensions, checkScan, checkSearchShape, checkedRecords, checkedSearch } from '../vector-checks.js';
import { bytesVector, vectorBytes } from '../vector-math.js';
import type { VectorStore } from '../vector-store.js';
import { VectorStoreError, collectionNotFound, dimensionsMismatch } from '../vector-store-error.js';

export interface SqliteVecStoreOptions {
  /** Folder of the SQLite file; created if missing. */
  dir: string;
}

interface CollectionRow {
  name: string;
  table_name: string;
  dimensions: number;
}

interface CollectionStatements {
  row: CollectionRow;
  insert: Database.Statement<[string, Buffer, string]>;
  deleteIds: Database.Statement<[string]>;
  search: Database.Statement<[Buffer, number], { chunk_id: string; document_id: string; distance: number }>;
  searchInDocuments: Database.Statement<[Buffer, number, string], { chunk_id: string; document_id: string; distance: number }>;
  deleteDocument: Database.Statement<[string]>;
  count: Database.Statement<[], { n: number }>;
  page: Database.Statement<[string, number], { chunk_id: string; document_id: string; embedding: Buffer }>;
}

export function createSqliteVecStore(options: SqliteVecStoreOptions): VectorStore {
  mkdirSync(options.dir, { recursive: true });
  const file = path.join(options.dir, 'sqlite-vec.sqlite');
  const db = new Database(file);
  sqliteVec.load(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec('create table if not exists collections (name text primary key, table_name text not null unique, dimensions integer not null)');
  const findCollection = db.prepare<[string], CollectionRow>('select * from collections where name = ?');
  const insertCollection = db.prepare<[string, string, number]>('insert into collections (name, table_name, dimensions) values (?, ?, ?)');
  const deleteCollection = db.prepare<[string]>('delete from collections where name = ?');
  const prepared = new Map<string, CollectionStatements>();
  let closed = false;

  function collection(name: string): CollectionStatements | undefined {
    if (closed) throw new VectorStoreError('VECTOR_STORE_FAILED', 'The sqlite-vec vector store is closed.');
    const cached = prepared.get(name);
    if (cached) return cached;
    const row = findCollection.get(name);
    if (!row) return undefined;
    // Table names come from safeCollectionName (letters, digits, underscores), never from input.
    const table = `"${row.table_name}"`;
    const statements: CollectionStatements = {
      row,
      insert: db.prepare(`insert into ${table} (chunk_id, embedding, document_id) values (?, ?, ?)`),
      deleteIds: db.prepare(`delete from ${table} where chunk_id in (select value from json_each(?))`),
      search: db.prepare(`select chunk_id, document_id, distance from ${table} where embedding match ? and k = ?`),
      searchInDocuments: db.prepare(`select chunk_id, document_id, distance from ${table} where embedding match ? and k = ? and document_id in (select value from json_each(?))`),
      deleteDocument: db.prepare(`delete from ${table} where document_id = ?`),
      count: db.prepare(`select count(*) as n from ${table}`),
      page: db.prepare(`select chunk_id, document_id, embedding from ${table} where chunk_id > ? order by chunk_id limit ?`),
    };
    prepared.set(name, statements);
    return statements;
  }

  const create = db.transaction((name: string, dimensions: number) => {
    const table = safeCollectionName(name, { prefix: 'vec_' });
    db.exec(`create virtual table "${table}" using vec0(chunk_id text primary key, embedding float[${dimensions}] distance_metric=cosine, document_id text)`);
    insertCollection.run(name, table, dimensions);
  });

  const drop = db.transaction((row: CollectionRow) => {
    db.exec(`drop table if exists "${row.table_name}"`);
    deleteCollection.run(row.name);
  });

  const upsert = db.transaction((target: CollectionStatements, records: ReturnType<typeof checkedRecords>) => {
    target.deleteIds.run(JSON.stringify(records.map((record) => record.id)));
    for (const record of records) target.insert.run(record.id, vectorBytes(record.vector), record.documentId);
  });

  return {
    kind: 'sqlite-vec',

    async ensureCollection({ name, dimensions }) {
      checkCollectionName(name);
      checkDimensions(dimensions);
      const existing = collection(name);
      if (existing) {
        if (existing.row.dimensions !== dimensions) throw dimensionsMismatch(name, existing.row.dimensions, dimensions, 'The requested collection');
        return;
      }
      create(name, dimensions);
    },

    async upsert(name, records) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) throw collectionNotFound(name);
      const checked = checkedRecords(records, target.row.dimensions, name);
      if (checked.length > 0) upsert(target, checked);
    },

    async search(name, query) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) {
        checkSearchShape(query);
        return [];
      }
      const { vector, k, documentIds } = checkedSearch(query, target.row.dimensions, name);
      if (k === 0 || documentIds?.length === 0) return [];
      const bytes = vectorBytes(vector);
      const rows = documentIds ? target.searchInDocuments.all(bytes, k, JSON.stringify(documentIds)) : target.search.all(bytes, k);
      return rows.map((row) => ({ id: row.chunk_id, documentId: row.document_id, score: 1 - row.distance }));
    },

    async deleteDocument(name, documentId) {
      checkCollectionName(name);
      collection(name)?.deleteDocument.run(documentId);
    },

    async dropCollection(name) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) return;
      prepared.delete(name);
      drop(target.row);
    },

    async count(name) {
      checkCollectionName(name);
      return collection(name)?.count.get()!.n ?? 0;
    },

    async scan(name, options) {
      checkCollectionName(name);
      checkScan(options);
      const target = collection(name);
      if (!target) return { records: [] };
      const rows = target.page.all(options.cursor ?? '', options.limit);
      const records = rows.map((row) => ({ id: row.chunk_id, documentId: row.document_id, vector: bytesVector(row.embedding) }));
      return rows.length < options.limit ? { records } : { records, cursor: records.at(-1)!.id };
    },

    async probe() {
      const started = performance.now();
      try {
        const { version } = db.prepare<[], { version: string }>('select vec_version() as version').get()!;
        const { n } = db.prepare<[], { n: number }>('select count(*) as n from collections').get()!;
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `sqlite-vec ${version} in ${file}: ${n} collection(s)` };
      } catch (error) {
        return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: `Check that ${file} is readable and writable.` };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      prepared.clear();
      db.close();
    },
  };
}
