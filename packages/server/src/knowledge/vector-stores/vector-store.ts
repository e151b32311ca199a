/**
 * The vector-store capability: nearest-neighbour search over chunk embeddings, partitioned by
 * knowledge base. An embedded default in DATA_DIR, PostgreSQL + pgvector and Qdrant for scale;
 * one conformance suite for all.
 *
 * A store holds one collection per (knowledge base, embedding model): vectors of different
 * models never mix. Chunk text and metadata live in the main database; a store keeps only
 * what search needs (ids, the document id for filtering and deletion, the vector).
 */

export interface VectorRecord {
  /** The chunk's id (unique within the collection). */
  id: string;
  documentId: string;
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
  k: number;
  /** Only these documents (all when undefined). */
  documentIds?: readonly string[];
}

export interface VectorStore {
  /** `lancedb`, `usearch`, `sqlite-vec`, `pgvector`, `qdrant`... */
  readonly kind: string;
  /** Creates the collection if missing; a collection of other dimensions is an error. */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /** Inserts or replaces by id. */
  upsert(collection: string, records: readonly VectorRecord[]): Promise<void>;
  search(collection: string, query: VectorSearch): Promise<VectorMatch[]>;
  deleteDocument(collection: string, documentId: string): Promise<void>;
  dropCollection(collection: string): Promise<void>;
  count(collection: string): Promise<number>;
  /** A real round trip, for health. */
  probe(): Promise<{ status: 'healthy' | 'down'; latencyMs: number; detail: string; hint?: string }>;
  close(): Promise<void>;
}
