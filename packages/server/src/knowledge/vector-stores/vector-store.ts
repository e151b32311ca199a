/**
 * The vector-store capability: nearest-neighbour search over chunk embeddings, partitioned by
 * knowledge base. An embedded default in DATA_DIR, PostgreSQL + pgvector and Qdrant for scale;
 * one conformance suite for all (`test-support/vector-store-conformance.ts`).
 *
 * A store holds one collection per (knowledge base, embedding model): vectors of different
 * models never mix. Chunk text and metadata live in the main database; a store keeps only
 * what search needs (ids, the document id for filtering and deletion, the vector).
 *
 * Promises every store keeps:
 * - Collections survive a restart: after `ensureCollection` once, any later process may
 *   upsert, search, count and delete without calling it again.
 * - A collection that does not exist searches as empty, counts 0, and ignores
 *   `deleteDocument` and `dropCollection`; `upsert` into it fails with
 *   `VECTOR_COLLECTION_NOT_FOUND`, since the store cannot guess its dimensions.
 * - Every vector (stored or searched) has the collection's dimensions, finite components and
 *   a non-zero length; otherwise the call fails with `VECTOR_DIMENSIONS_MISMATCH` or
 *   `VECTOR_INVALID` before anything is written.
 * - `scan` pages through a collection: every record exactly once, with the direction it was
 *   written with (Qdrant keeps unit vectors, the others what was written), in an order of the
 *   store's own that holds while nobody writes to the collection; a page's cursor continues the
 *   scan, also in another process. A missing collection scans as one empty page.
 * - Errors are `VectorStoreError` (`vector-store-error.ts`) with a code, a hint and `retryable`.
 */

export { VectorStoreError, type VectorStoreErrorCode } from './vector-store-error.js';

export interface VectorRecord {
  /** The chunk's id (unique within the collection). */
  id: string;
  documentId: string;
  /** Any length but zero: stores compare directions (cosine), not magnitudes. */
  vector: Float32Array | number[];
}

export interface VectorMatch {
  id: string;
  documentId: string;
  /** Cosine similarity in [-1, 1]: higher is closer. */
  score: number;
}

export interface CollectionSpec {
  /** The knowledge base id plus the embedding model, e.g. `kb_01H...:ollama/nomic-embed-text`; the store derives safe names. */
  name: string;
  dimensions: number;
}

export interface VectorSearch {
  vector: Float32Array | number[];
  /** How many matches at most: an integer from 0 to `MAX_SEARCH_K`. */
  k: number;
  /** Only these documents (all when undefined; none when empty). */
  documentIds?: readonly string[];
}

/** The largest `k` a search may ask for: retrieval wants a handful, and some engines cap it. */
export const MAX_SEARCH_K = 1000;

export interface VectorScan {
  /** How many records at most: an integer from 1 to `MAX_SCAN_LIMIT`. */
  limit: number;
  /** The `cursor` of the previous page; from the start when undefined. */
  cursor?: string;
}

export interface StoredVector {
  id: string;
  documentId: string;
  vector: Float32Array;
}

export interface VectorScanPage {
  records: StoredVector[];
  /** Continues the scan after this page; undefined at the end (a full page may be followed by an empty one). */
  cursor?: string;
}

/** The largest page `scan` returns. */
export const MAX_SCAN_LIMIT = 1000;

export interface VectorStoreProbe {
  status: 'healthy' | 'down';
  latencyMs: number;
  detail: string;
  hint?: string;
}

export interface VectorStore {
  /** `lancedb`, `usearch`, `sqlite-vec`, `pgvector`, `qdrant`... */
  readonly kind: string;
  /** Creates the collection if missing; a collection of other dimensions is an error. Safe to call concurrently. */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /** Inserts or replaces by id; within one call the last record of an id wins. */
  upsert(collection: string, records: readonly VectorRecord[]): Promise<void>;
  /** Best first; ties in any order. Approximate stores may miss a neighbour now and then. */
  search(collection: string, query: VectorSearch): Promise<VectorMatch[]>;
  deleteDocument(collection: string, documentId: string): Promise<void>;
  dropCollection(collection: string): Promise<void>;
  count(collection: string): Promise<number>;
  /** One page of the collection's records, for export and verification (`sutazai migrate`). */
  scan(collection: string, options: VectorScan): Promise<VectorScanPage>;
  /** A real round trip, for health. */
  probe(): Promise<VectorStoreProbe>;
  /** Flushes what is kept in memory and releases files and handles; a shared pool passed in stays open. */
  close(): Promise<void>;
}
