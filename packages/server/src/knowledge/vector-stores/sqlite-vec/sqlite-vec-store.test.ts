import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runVectorStoreConformance } from '../test-support/vector-store-conformance.js';
import { unit } from '../test-support/vector-test-data.js';
import { createSqliteVecStore } from './sqlite-vec-store.js';

describe('sqlite-vec store', () => {
  runVectorStoreConformance({
    kind: 'sqlite-vec',
    createFixture: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-sqlite-vec-conformance-'));
      return { open: async () => createSqliteVecStore({ dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  });

  it('keeps each collection in a vec0 table of its own SQLite file, named safely', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-sqlite-vec-'));
    try {
      const store = createSqliteVecStore({ dir });
      await store.ensureCollection({ name: `kb_1:ollama/nomic-embed-text"; drop table collections; --`, dimensions: 4 });
      await store.upsert(`kb_1:ollama/nomic-embed-text"; drop table collections; --`, [{ id: 'a', documentId: 'd', vector: unit(4, 0) }]);
      await store.close();
      expect(readdirSync(dir)).toContain('sqlite-vec.sqlite');
      const db = new Database(path.join(dir, 'sqlite-vec.sqlite'), { readonly: true });
      const tables = db.prepare<[], { name: string; sql: string }>("select name, sql from sqlite_master where type = 'table' and sql like '%vec0%'").all();
      db.close();
      expect(tables).toEqual([{ name: expect.stringMatching(/^vec_kb_1_ollama_nomic_embed_text_drop_tab\w*_[0-9a-f]{16}$/), sql: expect.stringContaining('distance_metric=cosine') }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
