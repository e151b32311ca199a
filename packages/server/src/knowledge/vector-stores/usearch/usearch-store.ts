/**
 * usearch: an HNSW graph in memory per collection, saved to `<dir>/<safe name>.usearch`, with
 * the SQLite sidecar `<dir>/usearch.sqlite` (ids, documents, vectors, deletes) as the source
 * of truth (see `usearch-sidecar.ts`). Writes commit to the sidecar first, then change the
 * graph; the graph is saved a moment after the last write and on close.
 *
 * Filtered searches: usearch's Node binding has no filter callback, so a filter over few
 * vectors (`exactSearchLimit`) is answered exactly from the sidecar, and a wider one asks the
 * graph for more neighbours until k of them pass the filter.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Index as UsearchIndex } from 'usearch';
import { safeCollectionName } from '../collection-names.js';
import { checkCollectionName, checkDimensions, checkScan, checkSearchShape, checkedRecords, checkedSearch } from '../vector-checks.js';
import { bytesVector, dot, norm, topK } from '../vector-math.js';
import type { VectorMatch, VectorStore } from '../vector-store.js';
import { VectorStoreError, collectionNotFound, dimensionsMismatch } from '../vector-store-error.js';
import { openUsearchSidecar, type StoredVectorRow, type UsearchSidecar, type VectorRow, type WriteResult } from './usearch-sidecar.js';

type Usearch = typeof import('usearch').default;
let usearchModule: Usearch | undefined;
/**
 * Loaded on first use, not at start-up (the native module costs time and memory a process
 * with another VECTOR_STORE never needs). The package's ESM entry finds its native build
 * from the caller's stack, which fails under some loaders; the CommonJS entry uses __dirname.
 */
function usearch(): Usearch {
  return (usearchModule ??= createRequire(import.meta.url)('usearch') as Usearch);
}

export interface UsearchStoreOptions {
  /** Folder for the sidecar and the index files; created if missing. */
  dir: string;
  /** HNSW links per node (M). */
  connectivity?: number;
  /** Candidates considered while inserting (efConstruction). */
  expansionAdd?: number;
  /** Candidates considered while searching (ef); raised to k when k is larger. */
  expansionSearch?: number;
  /** A filtered search over at most this many vectors is exact, read from the sidecar. */
  exactSearchLimit?: number;
  /** A collection of at most this many vectors is searched exactly: the graph would save nothing, and HNSW may miss a neighbour. */
  smallCollectionLimit?: number;
  /** The graph is saved this long after the last write (and on close). */
  saveDelayMs?: number;
}

interface OpenCollection {
  name: string;
  file: string;
  dimensions: number;
  index: UsearchIndex;
  generation: number;
  savedGeneration: number;
  saveTimer: NodeJS.Timeout | undefined;
}

export function createUsearchStore(options: UsearchStoreOptions): VectorStore {
  const { dir, connectivity = 16, expansionAdd = 64, expansionSearch = 96, exactSearchLimit = 10_000, smallCollectionLimit = 1_000, saveDelayMs = 2_000 } = options;
  mkdirSync(dir, { recursive: true });
  const sidecarFile = path.join(dir, 'usearch.sqlite');
  const sidecar: UsearchSidecar = openUsearchSidecar(sidecarFile);
  const open = new Map<string, OpenCollection>();
  let closed = false;

  const newIndex = (dimensions: number) => {
    const { Index, MetricKind, ScalarKind } = usearch();
    return new Index({ dimensions, metric: MetricKind.Cos, quantization: ScalarKind.F32, connectivity, expansion_add: expansionAdd, expansion_search: expansionSearch, multi: false });
  };

  /** The collection's row in the sidecar (undefined when it does not exist): no graph loaded. */
  function known(name: string) {
    if (closed) throw new VectorStoreError('VECTOR_STORE_FAILED', 'The usearch vector store is closed.');
    return sidecar.collection(name);
  }

  /** Loads the graph of a collection once per process: the saved file plus what came after it. */
  function collection(name: string): OpenCollection | undefined {
    const loaded = closed ? undefined : open.get(name);
    if (loaded) return loaded;
    const row = known(name);
    if (!row) return undefined;
    const file = path.join(dir, row.file);
    let index = newIndex(row.dimensions);
    let savedGeneration = 0;
    if (row.saved_generation > 0 && row.saved_checksum !== null && existsSync(file) && fileChecksum(file) === row.saved_checksum) {
      try {
        index.load(file);
        if (index.dimensions() !== row.dimensions) throw new Error('dimensions differ');
        savedGeneration = row.saved_generation;
      } catch {
        index = newIndex(row.dimensions);
      }
    }
    // Otherwise (missing, damaged, not the one saved last) the graph is rebuilt from the sidecar.
    replay(index, name, row.dimensions, savedGeneration);
    const opened: OpenCollection = { name, file, dimensions: row.dimensions, index, generation: row.generation, savedGeneration, saveTimer: undefined };
    open.set(name, opened);
    if (savedGeneration !== row.generation) scheduleSave(opened);
    return opened;
  }

  function replay(index: UsearchIndex, name: string, dimensions: number, since: number): void {
    const batchKeys: bigint[] = [];
    const batch: Float32Array[] = [];
    const flush = () => {
      if (batchKeys.length === 0) return;
      const flat = new Float32Array(batch.length * dimensions);
      batch.forEach((vector, i) => flat.set(vector, i * dimensions));
      index.add(BigUint64Array.from(batchKeys), flat, 0);
      batchKeys.length = 0;
      batch.length = 0;
    };
    if (since > 0) {
      const removed = sidecar.removedSince(name, since).map(BigInt).filter((key) => index.contains(key));
      if (removed.length > 0) index.remove(BigUint64Array.from(removed));
    }
    for (const row of sidecar.addedSince(name, since)) {
      const key = BigInt(row.key);
      if (index.contains(key)) continue;
      batchKeys.push(key);
      batch.push(bytesVector(row.vector));
      if (batchKeys.length === 4096) flush();
    }
    flush();
  }

  function apply(target: OpenCollection, result: WriteResult, vectors: readonly Float32Array[]): void {
    try {
      const removed = result.removedKeys.map(BigInt).filter((key) => target.index.contains(key));
      if (removed.length > 0) target.index.remove(BigUint64Array.from(removed));
      if (result.addedKeys.length > 0) {
        const flat = new Float32Array(vectors.length * target.dimensions);
        vectors.forEach((vector, i) => flat.set(vector, i * target.dimensions));
        target.index.add(BigUint64Array.from(result.addedKeys.map(BigInt)), flat, 0);
      }
    } catch (error) {
      // The sidecar has the write; the graph is rebuilt from it on the next use.
      open.delete(target.name);
      clearTimeout(target.saveTimer);
      throw new VectorStoreError('VECTOR_STORE_FAILED', `usearch could not update the index of "${target.name}": ${(error as Error).message}`, { cause: error });
    }
    target.generation = result.generation;
    scheduleSave(target);
  }

  function scheduleSave(target: OpenCollection): void {
    clearTimeout(target.saveTimer);
    target.saveTimer = setTimeout(() => {
      try {
        save(target);
      } catch {
        // Kept in the sidecar; the next save or the next start catches up.
      }
    }, saveDelayMs);
    target.saveTimer.unref();
  }

  function save(target: OpenCollection): void {
    clearTimeout(target.saveTimer);
    target.saveTimer = undefined;
    if (target.savedGeneration === target.generation || open.get(target.name) !== target) return;
    const temporary = `${target.file}.${process.pid}.tmp`;
    target.index.save(temporary);
    const checksum = fileChecksum(temporary);
    renameSync(temporary, target.file);
    sidecar.markSaved(target.name, target.generation, checksum);
    target.savedGeneration = target.generation;
  }

  function exactSearch(rows: IterableIterator<StoredVectorRow>, query: Float32Array, k: number): VectorMatch[] {
    const queryNorm = norm(query);
    const best = topK(rows, k, (row) => {
      const vector = bytesVector(row.vector);
      return dot(vector, query) / (norm(vector) * queryNorm);
    });
    return best.map(({ item, score }) => ({ id: item.id, documentId: item.document_id, score }));
  }

  function graphSearch(target: OpenCollection, query: Float32Array, k: number, documentIds: readonly string[] | undefined): VectorMatch[] {
    const size = target.index.size();
    let wanted = documentIds ? Math.min(size, Math.max(k * 8, 64)) : Math.min(size, k);
    for (;;) {
      // threads = 0 (automatic): 0.27 ms wall per query at 20,000 vectors here, against 0.59 ms with 1 (a hand-off to a worker thread).
      const found = target.index.search(query, wanted, 0);
      const keys = Array.from(found.keys, Number);
      const allowed = documentIds ? sidecar.keysInDocuments(keys, documentIds) : undefined;
      const rows = new Map<number, VectorRow>(sidecar.rowsByKeys(keys).map((row) => [row.key, row]));
      const matches: VectorMatch[] = [];
      keys.forEach((key, i) => {
        const row = rows.get(key);
        if (row && (!allowed || allowed.has(key))) matches.push({ id: row.id, documentId: row.document_id, score: 1 - found.distances[i]! });
      });
      if (matches.length >= k || wanted >= size) return matches.slice(0, k);
      wanted = Math.min(size, wanted * 4);
    }
  }

  return {
    kind: 'usearch',

    async ensureCollection({ name, dimensions }) {
      checkCollectionName(name);
      checkDimensions(dimensions);
      const existing = collection(name);
      if (existing) {
        if (existing.dimensions !== dimensions) throw dimensionsMismatch(name, existing.dimensions, dimensions, 'The requested collection');
        return;
      }
      sidecar.createCollection(name, `${safeCollectionName(name)}.usearch`, dimensions);
      collection(name);
    },

    async upsert(name, records) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) throw collectionNotFound(name);
      const checked = checkedRecords(records, target.dimensions, name);
      if (checked.length === 0) return;
      apply(target, sidecar.writeRecords(name, checked), checked.map((record) => record.vector));
    },

    async search(name, query) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) {
        checkSearchShape(query);
        return [];
      }
      const { vector, k, documentIds } = checkedSearch(query, target.dimensions, name);
      if (k === 0 || documentIds?.length === 0 || target.index.size() === 0) return [];
      if (documentIds && sidecar.countInDocuments(name, documentIds) <= exactSearchLimit) return exactSearch(sidecar.vectorsInDocuments(name, documentIds), vector, k);
      if (!documentIds && target.index.size() <= smallCollectionLimit) return exactSearch(sidecar.vectors(name), vector, k);
      return graphSearch(target, vector, k, documentIds);
    },

    async deleteDocument(name, documentId) {
      checkCollectionName(name);
      const target = collection(name);
      if (!target) return;
      const result = sidecar.removeDocument(name, documentId);
      if (result.removedKeys.length > 0) apply(target, result, []);
    },

    async dropCollection(name) {
      checkCollectionName(name);
      const row = known(name);
      if (!row) return;
      const loaded = open.get(name);
      if (loaded) clearTimeout(loaded.saveTimer);
      open.delete(name);
      sidecar.dropCollection(name);
      rmSync(path.join(dir, row.file), { force: true });
    },

    async count(name) {
      checkCollectionName(name);
      // From the sidecar: counting needs no graph in memory.
      return known(name) ? sidecar.count(name) : 0;
    },

    async scan(name, options) {
      checkCollectionName(name);
      checkScan(options);
      const after = options.cursor === undefined ? 0 : Number(options.cursor);
      if (!Number.isSafeInteger(after) || after < 0) throw new VectorStoreError('VECTOR_INVALID', `"${options.cursor}" is not a cursor of the usearch store.`);
      // From the sidecar, the source of truth: a scan needs no graph in memory.
      if (!known(name)) return { records: [] };
      const rows = sidecar.page(name, after, options.limit);
      const records = rows.map((row) => ({ id: row.id, documentId: row.document_id, vector: bytesVector(row.vector) }));
      return rows.length < options.limit ? { records } : { records, cursor: String(rows.at(-1)!.key) };
    },

    async probe() {
      const started = performance.now();
      try {
        const collections = sidecar.collectionCount();
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `usearch HNSW in ${dir}: ${collections} collection(s), ${open.size} loaded` };
      } catch (error) {
        return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: `Check that ${sidecarFile} is readable and writable.` };
      }
    },

    async close() {
      if (closed) return;
      let failure: unknown;
      for (const target of open.values()) {
        try {
          save(target);
        } catch (error) {
          failure ??= error;
        }
      }
      closed = true;
      open.clear();
      sidecar.close();
      if (failure) throw new VectorStoreError('VECTOR_STORE_FAILED', `usearch could not save an index (the sidecar keeps every write; it is rebuilt at the next start): ${(failure as Error).message}`, { cause: failure });
    },
  };
}

function fileChecksum(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const descriptor = openSync(file, 'r');
  try {
    for (let read = readSync(descriptor, buffer); read > 0; read = readSync(descriptor, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(descriptor);
  }
  return hash.digest('hex');
}
