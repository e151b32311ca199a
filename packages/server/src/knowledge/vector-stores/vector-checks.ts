/**
 * The checks every store makes before it writes or searches, so that a bad vector or name is
 * the same clear error everywhere and nothing of a bad batch is written.
 */
import { MAX_SCAN_LIMIT, MAX_SEARCH_K, type VectorRecord, type VectorScan, type VectorSearch } from './vector-store.js';
import { VectorStoreError, dimensionsMismatch } from './vector-store-error.js';

export function checkCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 1000) {
    throw new VectorStoreError('VECTOR_INVALID', 'A vector collection name must be a string of 1 to 1000 characters.');
  }
}

export function checkDimensions(dimensions: unknown): asserts dimensions is number {
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536) {
    throw new VectorStoreError('VECTOR_INVALID', `Vector dimensions must be a whole number from 1 to 65536, not ${String(dimensions)}.`);
  }
}

/** A copy as Float32Array after checking length, finiteness and a non-zero norm. */
export function checkedVector(vector: Float32Array | readonly number[], dimensions: number, collection: string, what: string): Float32Array {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw new VectorStoreError('VECTOR_INVALID', `${what} is not an array of numbers.`);
  }
  if (vector.length !== dimensions) throw dimensionsMismatch(collection, dimensions, vector.length, what);
  const copy = Float32Array.from(vector);
  let squares = 0;
  for (let i = 0; i < copy.length; i++) {
    const value = copy[i]!;
    if (!Number.isFinite(value)) throw new VectorStoreError('VECTOR_INVALID', `${what} has a component that is not a finite number (index ${i}).`);
    squares += value * value;
  }
  if (squares === 0) {
    throw new VectorStoreError('VECTOR_INVALID', `${what} has zero length, so it has no direction to compare.`, {
      hint: 'An all-zero embedding usually means the embedding model failed on this text.',
    });
  }
  return copy;
}

export interface CheckedRecord {
  id: string;
  documentId: string;
  vector: Float32Array;
}

/** Checks a whole batch first; of repeated ids the last wins, as an upsert would leave it. */
export function checkedRecords(records: readonly VectorRecord[], dimensions: number, collection: string): CheckedRecord[] {
  if (!Array.isArray(records)) throw new VectorStoreError('VECTOR_INVALID', 'upsert takes an array of records.');
  const byId = new Map<string, CheckedRecord>();
  records.forEach((record, index) => {
    if (typeof record?.id !== 'string' || record.id.length === 0) throw new VectorStoreError('VECTOR_INVALID', `Record ${index} has no id.`);
    if (typeof record.documentId !== 'string' || record.documentId.length === 0) {
      throw new VectorStoreError('VECTOR_INVALID', `Record ${index} (${record.id}) has no documentId.`);
    }
    const vector = checkedVector(record.vector, dimensions, collection, `The vector of record ${index} (${record.id})`);
    byId.delete(record.id);
    byId.set(record.id, { id: record.id, documentId: record.documentId, vector });
  });
  return [...byId.values()];
}

export function checkK(k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > MAX_SEARCH_K) {
    throw new VectorStoreError('VECTOR_INVALID', `k must be a whole number from 0 to ${MAX_SEARCH_K}, not ${String(k)}.`);
  }
}

export function checkedSearch(query: VectorSearch, dimensions: number, collection: string): { vector: Float32Array; k: number; documentIds: readonly string[] | undefined } {
  checkK(query.k);
  const vector = checkedVector(query.vector, dimensions, collection, 'The query vector');
  if (query.documentIds !== undefined && (!Array.isArray(query.documentIds) || query.documentIds.some((id) => typeof id !== 'string'))) {
    throw new VectorStoreError('VECTOR_INVALID', 'documentIds must be an array of document ids.');
  }
  return { vector, k: query.k, documentIds: query.documentIds === undefined ? undefined : [...new Set(query.documentIds)] };
}

/** Checks a search against a collection that does not exist: it still must be well-formed. */
export function checkSearchShape(query: VectorSearch): void {
  checkK(query.k);
  if (!(query.vector instanceof Float32Array) && !Array.isArray(query.vector)) {
    throw new VectorStoreError('VECTOR_INVALID', 'The query vector is not an array of numbers.');
  }
}

/** A scan's limit and cursor; `cursor` is each store's own text, checked only to be text. */
export function checkScan(options: VectorScan): void {
  const { limit, cursor } = options ?? ({} as VectorScan);
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
    throw new VectorStoreError('VECTOR_INVALID', `A scan's limit must be a whole number from 1 to ${MAX_SCAN_LIMIT}, not ${String(limit)}.`);
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    throw new VectorStoreError('VECTOR_INVALID', 'A scan\'s cursor must be the non-empty text a previous page returned.');
  }
}
