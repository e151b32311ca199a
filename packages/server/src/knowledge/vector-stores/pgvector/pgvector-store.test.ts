/**
 * pgvector through PGlite: real PostgreSQL with the real pgvector extension, in-process. The
 * extension sits in a schema of its own and the tables in another, as when an administrator
 * installed it into `public` and SutazAI runs with `?schema=...`. The same store against the
 * real PostgreSQL server here (which has no pgvector) must fail clearly.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runVectorStoreConformance } from '../test-support/vector-store-conformance.js';
import { exactSearch, randomRecords, randomVector, seededRandom, unit } from '../test-support/vector-test-data.js';
import { createPgVectorStore, type SqlQuery } from './pgvector-store.js';

const POSTGRES_URL = process.env.SUTAZAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pglite(setup: string) {
  const database = await PGlite.create({ extensions: { vector } });
  await database.exec(setup);
  const query: SqlQuery = (sql, params) => database.query(sql, params);
  return { database, query };
}

// PGlite starts in seconds, and pgvector in WebAssembly builds HNSW graphs slowly: generous timeouts.
describe('pgvector store (PGlite with pgvector)', { timeout: 120_000 }, () => {
  runVectorStoreConformance({
    kind: 'pgvector',
    createFixture: async () => {
      const { database, query } = await pglite('create schema extensions; create extension vector schema extensions; create schema app; set search_path = app;');
      return { open: async () => createPgVectorStore({ query }), dispose: () => database.close() };
    },
  });

  it('creates the extension when missing, one table per collection with an HNSW cosine index, and reports pgvector in its probe', async () => {
    const { database, query } = await pglite('select 1');
    try {
      const store = createPgVectorStore({ query });
      await store.ensureCollection({ name: 'kb_1:ollama/nomic-embed-text', dimensions: 8 });
      const indexes = await database.query<{ indexname: string; indexdef: string }>(`select indexname, indexdef from pg_indexes where tablename like 'sutazai_vectors_%' order by indexname`);
      expect(indexes.rows.map((row) => row.indexname)).toEqual([
        expect.stringMatching(/^sutazai_vectors_kb_1_ollama_nomic_em_[0-9a-f]{16}_document$/),
        expect.stringMatching(/^sutazai_vectors_kb_1_ollama_nomic_em_[0-9a-f]{16}_embedding$/),
        expect.stringMatching(/^sutazai_vectors_kb_1_ollama_nomic_em_[0-9a-f]{16}_pkey$/),
      ]);
      expect(indexes.rows[1]!.indexdef).toMatch(/USING hnsw \(embedding (public\.)?vector_cosine_ops\) WITH \(m='?16'?, ef_construction='?64'?\)/);
      expect(await store.probe()).toMatchObject({ status: 'healthy', detail: expect.stringMatching(/^pgvector 0\.\d+\.\d+ \(schema public\)$/) });
    } finally {
      await database.close();
    }
  });

  it('uses the HNSW index on a larger table, with enough candidates for k, and stays close to exact', async () => {
    const { database, query } = await pglite('select 1');
    try {
      const store = createPgVectorStore({ query });
      const records = randomRecords(41, 1000, 16);
      await store.ensureCollection({ name: 'kb', dimensions: 16 });
      await store.upsert('kb', records);
      await database.exec('analyze');
      const table = (await database.query<{ tablename: string }>(`select tablename from pg_tables where tablename like 'sutazai_vectors_%'`)).rows[0]!.tablename;
      const plan = await database.query<{ 'QUERY PLAN': string }>(`explain select id from ${table} order by embedding <=> '${JSON.stringify(unit(16, 0))}' limit 10`);
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using \w+_embedding/);
      const query16 = randomVector(seededRandom(42), 16);
      const found = await store.search('kb', { vector: query16, k: 100 });
      expect(found).toHaveLength(100);
      const expected = new Set(exactSearch(records, query16, 100).map((match) => match.id));
      expect(found.filter((match) => expected.has(match.id)).length).toBeGreaterThanOrEqual(90);
      expect((await database.query<{ ef: string }>(`select current_setting('hnsw.ef_search') as ef`)).rows[0]!.ef).toBe('40');
    } finally {
      await database.close();
    }
  });

  it('sees a collection another replica created and forgets one another replica dropped', async () => {
    const { database, query } = await pglite('select 1');
    try {
      const first = createPgVectorStore({ query });
      const second = createPgVectorStore({ query });
      await first.ensureCollection({ name: 'kb', dimensions: 4 });
      await first.upsert('kb', [{ id: 'a', documentId: 'd', vector: unit(4, 0) }]);
      expect(await second.count('kb')).toBe(1);
      await first.dropCollection('kb');
      expect(await second.search('kb', { vector: unit(4, 0), k: 3 })).toEqual([]);
      await expect(second.upsert('kb', [{ id: 'b', documentId: 'd', vector: unit(4, 1) }])).rejects.toMatchObject({ code: 'VECTOR_COLLECTION_NOT_FOUND' });
    } finally {
      await database.close();
    }
  });
});

describe('pgvector store on the real PostgreSQL server without pgvector', () => {
  it('fails with VECTOR_STORE_UNAVAILABLE saying how to install pgvector, and its probe is down', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      const store = createPgVectorStore({ query: (sql, params) => pool.query(sql, params) });
      const error = await store.ensureCollection({ name: 'kb', dimensions: 4 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'VECTOR_STORE_UNAVAILABLE', retryable: false, message: expect.stringMatching(/no pgvector extension/), hint: expect.stringMatching(/create extension vector.*VECTOR_STORE=embedded/) });
      expect(await store.probe()).toMatchObject({ status: 'down', detail: expect.stringMatching(/pgvector extension is not installed/) });
      expect(await store.count('kb')).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('reports a server that does not answer as unavailable and retryable', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 2000 });
    try {
      const store = createPgVectorStore({ query: (sql, params) => pool.query(sql, params) });
      await expect(store.ensureCollection({ name: 'kb', dimensions: 4 })).rejects.toMatchObject({ code: 'VECTOR_STORE_UNAVAILABLE', retryable: true });
      expect(await store.probe()).toMatchObject({ status: 'down' });
    } finally {
      await pool.end();
    }
  });
});
