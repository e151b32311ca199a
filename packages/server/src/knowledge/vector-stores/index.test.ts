import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { createGuardedFetch } from '../../net/outbound-guard.js';
import { createVectorStore, embeddedVectorDir, vectorStoreConfigProblems } from './index.js';
import { startQdrantTestServer } from './test-support/qdrant-test-server.js';
import { unit } from './test-support/vector-test-data.js';

const unusedFetch = () => Promise.reject(new Error('no request expected'));

function configFor(env: Record<string, string>) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'sutazai-vector-config-'));
  return { config: loadConfig({ env, cwd }), dispose: () => rmSync(cwd, { recursive: true, force: true }) };
}

describe('vector store configuration', () => {
  it('defaults to the embedded store in DATA_DIR/vectors, which keeps its files there', async () => {
    const { config, dispose } = configFor({});
    try {
      expect(config.VECTOR_STORE).toBe('embedded');
      const store = createVectorStore(config, { fetch: unusedFetch });
      expect(store.kind).toBe('usearch');
      await store.ensureCollection({ name: 'kb', dimensions: 4 });
      await store.upsert('kb', [{ id: 'a', documentId: 'd', vector: unit(4, 0) }]);
      await store.close();
      expect(embeddedVectorDir(config)).toBe(path.join(config.dataDir, 'vectors'));
      expect(existsSync(path.join(config.dataDir, 'vectors', 'usearch.sqlite'))).toBe(true);
    } finally {
      dispose();
    }
  });

  it('refuses an unknown VECTOR_STORE naming the choices, and a QDRANT_URL without a scheme', () => {
    expect(() => configFor({ VECTOR_STORE: 'chroma' })).toThrow(/VECTOR_STORE="chroma".*embedded, pgvector, qdrant/);
    expect(() => configFor({ VECTOR_STORE: 'qdrant', QDRANT_URL: '127.0.0.1:6333' })).toThrow(/QDRANT_URL.*no scheme/);
  });

  it('explains that pgvector needs DATABASE_URL to be PostgreSQL and qdrant needs QDRANT_URL', () => {
    expect(vectorStoreConfigProblems({ VECTOR_STORE: 'pgvector', DATABASE_URL: undefined, QDRANT_URL: undefined })).toEqual([
      expect.stringMatching(/^VECTOR_STORE="pgvector" needs DATABASE_URL to be PostgreSQL, but DATABASE_URL is unset, so storage is SQLite.*Fix: set DATABASE_URL=postgres:\/\/.*pgvector.*or set VECTOR_STORE=embedded\.$/),
    ]);
    expect(vectorStoreConfigProblems({ VECTOR_STORE: 'pgvector', DATABASE_URL: 'sqlite:./x.db', QDRANT_URL: undefined })[0]).toMatch(/DATABASE_URL points at SQLite/);
    expect(vectorStoreConfigProblems({ VECTOR_STORE: 'pgvector', DATABASE_URL: 'postgres://u@h/db', QDRANT_URL: undefined })).toEqual([]);
    expect(vectorStoreConfigProblems({ VECTOR_STORE: 'qdrant', DATABASE_URL: undefined, QDRANT_URL: undefined })[0]).toMatch(/^VECTOR_STORE="qdrant" needs QDRANT_URL\. Fix: /);
    expect(vectorStoreConfigProblems({ VECTOR_STORE: 'embedded', DATABASE_URL: undefined, QDRANT_URL: undefined })).toEqual([]);
  });

  it('builds pgvector on the given query function only when storage is PostgreSQL', () => {
    const sqlite = configFor({ VECTOR_STORE: 'pgvector' });
    try {
      expect(() => createVectorStore(sqlite.config, { fetch: unusedFetch, query: async () => ({ rows: [] }) })).toThrow(/needs DATABASE_URL to be PostgreSQL/);
    } finally {
      sqlite.dispose();
    }
    const postgres = configFor({ VECTOR_STORE: 'pgvector', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    try {
      expect(createVectorStore(postgres.config, { fetch: unusedFetch, query: async () => ({ rows: [] }) }).kind).toBe('pgvector');
      expect(() => createVectorStore(postgres.config, { fetch: unusedFetch })).toThrow(/needs DATABASE_URL to be PostgreSQL/);
    } finally {
      postgres.dispose();
    }
  });

  it('builds Qdrant on QDRANT_URL and QDRANT_API_KEY with the given fetch', async () => {
    const server = await startQdrantTestServer({ apiKey: 'secret' });
    const { config, dispose } = configFor({ VECTOR_STORE: 'qdrant', QDRANT_URL: server.url, QDRANT_API_KEY: 'secret' });
    try {
      const store = createVectorStore(config, { fetch: createGuardedFetch({ allowLoopback: true }) });
      expect(store.kind).toBe('qdrant');
      expect(await store.probe()).toMatchObject({ status: 'healthy' });
      expect(server.requests.at(-1)?.headers['api-key']).toBe('secret');
    } finally {
      dispose();
      await server.close();
    }
  });
});
