/**
 * The vector-store capability's entry: the interface and the configured store. LanceDB and
 * sqlite-vec, the benchmark's other candidates, are imported by path (`lancedb/`,
 * `sqlite-vec/`) and never from here: LanceDB's native module alone takes a second to load.
 */
import path from 'node:path';
import type { ResolvedConfig } from '../../config/load.js';
import { createEmbeddedVectorStore } from './embedded-vector-store.js';
import { createPgVectorStore, type SqlQuery } from './pgvector/pgvector-store.js';
import { createQdrantStore, type FetchLike } from './qdrant/qdrant-store.js';
import type { VectorStore } from './vector-store.js';

export * from './vector-store.js';
export { createEmbeddedVectorStore } from './embedded-vector-store.js';
export { createUsearchStore, type UsearchStoreOptions } from './usearch/usearch-store.js';
export { createPgVectorStore, type PgVectorStoreOptions, type SqlQuery } from './pgvector/pgvector-store.js';
export { createQdrantStore, type QdrantStoreOptions, type FetchLike } from './qdrant/qdrant-store.js';

export type VectorStoreConfig = Pick<ResolvedConfig, 'VECTOR_STORE' | 'QDRANT_URL' | 'QDRANT_API_KEY' | 'dataDir' | 'database'>;

export interface VectorStoreDeps {
  /** SQL on the platform's PostgreSQL, for VECTOR_STORE=pgvector: `(sql, params) => pool.query(sql, params)`. */
  query?: SqlQuery;
  /** The platform's guarded fetch, for VECTOR_STORE=qdrant (QDRANT_URL must be allowed through it). */
  fetch: FetchLike;
}

/** The folder of the embedded store. */
export function embeddedVectorDir(config: Pick<ResolvedConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'vectors');
}

/**
 * What is wrong with the vector-store settings, in `loadConfig`'s words (the variable, the
 * value, why, and the fix); empty when they are fine. For `loadConfig` and `config check`.
 */
export function vectorStoreConfigProblems(config: Pick<ResolvedConfig, 'VECTOR_STORE' | 'QDRANT_URL' | 'DATABASE_URL'>): string[] {
  if (config.VECTOR_STORE === 'pgvector' && !/^postgres(ql)?:\/\//i.test(config.DATABASE_URL ?? '')) {
    const storage = config.DATABASE_URL === undefined ? 'DATABASE_URL is unset, so storage is SQLite' : 'DATABASE_URL points at SQLite';
    return [`VECTOR_STORE="pgvector" needs DATABASE_URL to be PostgreSQL, but ${storage}; the vectors live in the same PostgreSQL database as everything else. Fix: set DATABASE_URL=postgres://user:pass@host:5432/sutazai on a server with the pgvector extension (create extension vector; once, as a superuser), or set VECTOR_STORE=embedded.`];
  }
  if (config.VECTOR_STORE === 'qdrant' && !config.QDRANT_URL) {
    return ['VECTOR_STORE="qdrant" needs QDRANT_URL. Fix: set QDRANT_URL to the Qdrant REST address (for example http://127.0.0.1:6333, and QDRANT_API_KEY if it requires one), or set VECTOR_STORE=embedded.'];
  }
  return [];
}

/** The store VECTOR_STORE names. Throws on settings `vectorStoreConfigProblems` reports. */
export function createVectorStore(config: VectorStoreConfig, deps: VectorStoreDeps): VectorStore {
  if (config.VECTOR_STORE === 'pgvector') {
    if (config.database.kind !== 'postgres' || !deps.query) {
      throw new Error('VECTOR_STORE="pgvector" needs DATABASE_URL to be PostgreSQL (postgres://...) on a server with the pgvector extension. Fix: set DATABASE_URL, or set VECTOR_STORE=embedded.');
    }
    return createPgVectorStore({ query: deps.query });
  }
  if (config.VECTOR_STORE === 'qdrant') {
    if (!config.QDRANT_URL) throw new Error('VECTOR_STORE="qdrant" needs QDRANT_URL. Fix: set QDRANT_URL (for example http://127.0.0.1:6333), or set VECTOR_STORE=embedded.');
    return createQdrantStore({ url: config.QDRANT_URL, ...(config.QDRANT_API_KEY ? { apiKey: config.QDRANT_API_KEY } : {}), fetch: deps.fetch });
  }
  return createEmbeddedVectorStore({ dir: embeddedVectorDir(config) });
}
