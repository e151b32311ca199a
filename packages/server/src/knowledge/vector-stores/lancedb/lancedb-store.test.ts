import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVectorStoreConformance } from '../test-support/vector-store-conformance.js';
import { exactSearch, randomRecords, randomVector, seededRandom } from '../test-support/vector-test-data.js';
import { createLanceDbStore } from './lancedb-store.js';

describe('LanceDB store', () => {
  runVectorStoreConformance({
    kind: 'lancedb',
    createFixture: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-lancedb-conformance-'));
      return { open: async () => createLanceDbStore({ dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  });

  it('builds a vector index once a table passes the threshold, and still finds rows added after it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-lancedb-'));
    try {
      const store = createLanceDbStore({ dir, indexThreshold: 1000 });
      const records = randomRecords(31, 1500, 16, (i) => `doc-${i % 10}`);
      await store.ensureCollection({ name: 'kb_1:ollama/nomic-embed-text', dimensions: 16 });
      for (let start = 0; start < 1200; start += 300) await store.upsert('kb_1:ollama/nomic-embed-text', records.slice(start, start + 300));
      const tableFolder = readdirSync(dir).find((name) => name.endsWith('.lance'));
      expect(tableFolder).toMatch(/^c_kb_1_ollama_nomic_embed_text_[0-9a-f]{16}\.lance$/);
      expect(readdirSync(path.join(dir, tableFolder!))).toContain('_indices');
      const late = { id: 'late', documentId: 'doc-late', vector: randomVector(seededRandom(32), 16) };
      await store.upsert('kb_1:ollama/nomic-embed-text', [late]);
      const [first] = await store.search('kb_1:ollama/nomic-embed-text', { vector: late.vector, k: 1 });
      expect(first).toMatchObject({ id: 'late', documentId: 'doc-late' });
      const query = randomVector(seededRandom(33), 16);
      const all = [...records.slice(0, 1200), late];
      const found = await store.search('kb_1:ollama/nomic-embed-text', { vector: query, k: 10 });
      const expected = exactSearch(all, query, 10);
      expect(found.filter((match) => expected.some((e) => e.id === match.id)).length).toBeGreaterThanOrEqual(8);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
