/**
 * The usearch store's sidecar: one SQLite file beside the index files, the source of truth.
 * It keeps each collection's dimensions, every chunk (id, document, vector) under the integer
 * key the HNSW index knows it by, and the keys removed since the index file was last saved.
 *
 * The index file is a snapshot: each write bumps the collection's generation, the file
 * records the generation it was saved at, and opening replays what came after (rows added
 * later, keys removed later). A crash between saves loses nothing; a lost or damaged index
 * file is rebuilt from here.
 */
import Database from 'better-sqlite3';
import { vectorBytes } from '../vector-math.js';
import type { CheckedRecord } from '../vector-checks.js';

export interface CollectionRow {
  name: string;
  file: string;
  dimensions: number;
  generation: number;
  saved_generation: number;
  /** sha256 of the index file as saved: usearch crashes the process on a damaged file, so it is checked before loading. */
  saved_checksum: string | null;
}

export interface VectorRow {
  key: number;
  id: string;
  document_id: string;
}

export interface StoredVectorRow extends VectorRow {
  vector: Buffer;
}

export interface WriteResult {
  generation: number;
  removedKeys: number[];
  addedKeys: number[];
}

export interface UsearchSidecar {
  collection(name: string): CollectionRow | undefined;
  collectionCount(): number;
  createCollection(name: string, file: string, dimensions: number): void;
  dropCollection(name: string): void;
  /** One transaction: replaced ids lose their old keys, every record gets a new key. */
  writeRecords(collection: string, records: readonly CheckedRecord[]): WriteResult;
  removeDocument(collection: string, documentId: string): WriteResult;
  /** The index file now holds everything up to `generation`; older removals are forgotten. */
  markSaved(collection: string, generation: number, checksum: string): void;
  count(collection: string): number;
  countInDocuments(collection: string, documentIds: readonly string[]): number;
  vectorsInDocuments(collection: string, documentIds: readonly string[]): IterableIterator<StoredVectorRow>;
  vectors(collection: string): IterableIterator<StoredVectorRow>;
  /** Up to `limit` rows with keys above `afterKey`, by key: keys only grow, so a page boundary holds across processes. */
  page(collection: string, afterKey: number, limit: number): StoredVectorRow[];
  rowsByKeys(keys: readonly number[]): VectorRow[];
  keysInDocuments(keys: readonly number[], documentIds: readonly string[]): Set<number>;
  addedSince(collection: string, generation: number): IterableIterator<{ key: number; vector: Buffer }>;
  removedSince(collection: string, generation: number): number[];
  close(): void;
}

export function openUsearchSidecar(file: string): UsearchSidecar {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    create table if not exists collections (
      name text primary key,
      file text not null unique,
      dimensions integer not null,
      generation integer not null default 0,
      saved_generation integer not null default 0,
      saved_checksum text
    );
    create table if not exists vectors (
      key integer primary key autoincrement,
      collection text not null,
      id text not null,
      document_id text not null,
      vector blob not null,
      generation integer not null,
      unique (collection, id)
    );
    create index if not exists vectors_by_document on vectors (collection, document_id);
    create index if not exists vectors_by_generation on vectors (collection, generation);
    create table if not exists removed_keys (
      collection text not null,
      key integer not null,
      generation integer not null
    );
    create index if not exists removed_keys_by_generation on removed_keys (collection, generation);
  `);

  const statements = {
    collection: db.prepare<[string], CollectionRow>('select * from collections where name = ?'),
    collectionCount: db.prepare<[], { n: number }>('select count(*) as n from collections'),
    insertCollection: db.prepare<[string, string, number]>('insert into collections (name, file, dimensions) values (?, ?, ?)'),
    deleteCollection: db.prepare<[string]>('delete from collections where name = ?'),
    deleteCollectionVectors: db.prepare<[string]>('delete from vectors where collection = ?'),
    deleteCollectionRemoved: db.prepare<[string]>('delete from removed_keys where collection = ?'),
    bumpGeneration: db.prepare<[string], { generation: number }>('update collections set generation = generation + 1 where name = ? returning generation'),
    markSaved: db.prepare<[number, string, string]>('update collections set saved_generation = ?, saved_checksum = ? where name = ?'),
    trimRemoved: db.prepare<[string, number]>('delete from removed_keys where collection = ? and generation <= ?'),
    keyOf: db.prepare<[string, string], { key: number }>('select key from vectors where collection = ? and id = ?'),
    deleteKey: db.prepare<[number]>('delete from vectors where key = ?'),
    insertVector: db.prepare<[string, string, string, Buffer, number]>('insert into vectors (collection, id, document_id, vector, generation) values (?, ?, ?, ?, ?)'),
    insertRemoved: db.prepare<[string, number, number]>('insert into removed_keys (collection, key, generation) values (?, ?, ?)'),
    documentKeys: db.prepare<[string, string], { key: number }>('select key from vectors where collection = ? and document_id = ?'),
    deleteDocument: db.prepare<[string, string]>('delete from vectors where collection = ? and document_id = ?'),
    count: db.prepare<[string], { n: number }>('select count(*) as n from vectors where collection = ?'),
    countInDocuments: db.prepare<[string, string], { n: number }>('select count(*) as n from vectors where collection = ? and document_id in (select value from json_each(?))'),
    vectorsInDocuments: db.prepare<[string, string], StoredVectorRow>('select key, id, document_id, vector from vectors where collection = ? and document_id in (select value from json_each(?))'),
    vectors: db.prepare<[string], StoredVectorRow>('select key, id, document_id, vector from vectors where collection = ?'),
    page: db.prepare<[string, number, number], StoredVectorRow>('select key, id, document_id, vector from vectors where collection = ? and key > ? order by key limit ?'),
    rowsByKeys: db.prepare<[string], VectorRow>('select key, id, document_id from vectors where key in (select value from json_each(?))'),
    keysInDocumentsByKeys: db.prepare<[string, string], { key: number }>('select key from vectors where key in (select value from json_each(?)) and document_id in (select value from json_each(?))'),
    addedSince: db.prepare<[string, number], { key: number; vector: Buffer }>('select key, vector from vectors where collection = ? and generation > ? order by key'),
    removedSince: db.prepare<[string, number], { key: number }>('select key from removed_keys where collection = ? and generation > ?'),
  };

  const writeRecords = db.transaction((collection: string, records: readonly CheckedRecord[]): WriteResult => {
    const { generation } = statements.bumpGeneration.get(collection)!;
    const removedKeys: number[] = [];
    const addedKeys: number[] = [];
    for (const record of records) {
      const old = statements.keyOf.get(collection, record.id);
      if (old) {
        statements.deleteKey.run(old.key);
        statements.insertRemoved.run(collection, old.key, generation);
        removedKeys.push(old.key);
      }
      const inserted = statements.insertVector.run(collection, record.id, record.documentId, vectorBytes(record.vector), generation);
      addedKeys.push(Number(inserted.lastInsertRowid));
    }
    return { generation, removedKeys, addedKeys };
  });

  const removeDocument = db.transaction((collection: string, documentId: string): WriteResult => {
    const keys = statements.documentKeys.all(collection, documentId).map((row) => row.key);
    if (keys.length === 0) return { generation: -1, removedKeys: [], addedKeys: [] };
    const { generation } = statements.bumpGeneration.get(collection)!;
    statements.deleteDocument.run(collection, documentId);
    for (const key of keys) statements.insertRemoved.run(collection, key, generation);
    return { generation, removedKeys: keys, addedKeys: [] };
  });

  const dropCollection = db.transaction((collection: string) => {
    statements.deleteCollectionVectors.run(collection);
    statements.deleteCollectionRemoved.run(collection);
    statements.deleteCollection.run(collection);
  });

  const markSaved = db.transaction((collection: string, generation: number, checksum: string) => {
    statements.markSaved.run(generation, checksum, collection);
    statements.trimRemoved.run(collection, generation);
  });

  return {
    collection: (name: string) => statements.collection.get(name),
    collectionCount: () => statements.collectionCount.get()!.n,
    createCollection: (name: string, file: string, dimensions: number) => void statements.insertCollection.run(name, file, dimensions),
    dropCollection: (name: string) => void dropCollection(name),
    writeRecords: (collection: string, records: readonly CheckedRecord[]) => writeRecords(collection, records),
    removeDocument: (collection: string, documentId: string) => removeDocument(collection, documentId),
    markSaved: (collection: string, generation: number, checksum: string) => void markSaved(collection, generation, checksum),
    count: (collection: string) => statements.count.get(collection)!.n,
    countInDocuments: (collection: string, documentIds: readonly string[]) => statements.countInDocuments.get(collection, JSON.stringify(documentIds))!.n,
    vectorsInDocuments: (collection: string, documentIds: readonly string[]) => statements.vectorsInDocuments.iterate(collection, JSON.stringify(documentIds)),
    vectors: (collection: string) => statements.vectors.iterate(collection),
    page: (collection: string, afterKey: number, limit: number) => statements.page.all(collection, afterKey, limit),
    rowsByKeys: (keys: readonly number[]) => statements.rowsByKeys.all(JSON.stringify(keys)),
    keysInDocuments: (keys: readonly number[], documentIds: readonly string[]) =>
      new Set(statements.keysInDocumentsByKeys.all(JSON.stringify(keys), JSON.stringify(documentIds)).map((row) => row.key)),
    addedSince: (collection: string, generation: number) => statements.addedSince.iterate(collection, generation),
    removedSince: (collection: string, generation: number) => statements.removedSince.all(collection, generation).map((row) => row.key),
    close: () => db.close(),
  };
}
