import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runVectorStoreConformance } from '../test-support/vector-store-conformance.js';
import { exactSearch, randomRecords, randomVector, seededRandom, unit } from '../test-support/vector-test-data.js';
import { createUsearchStore } from './usearch-store.js';

const folders: string[] = [];
const temporaryFolder = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-usearch-'));
  folders.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('usearch store', () => {
  runVectorStoreConformance({
    kind: 'usearch',
    createFixture: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-usearch-conformance-'));
      return { open: async () => createUsearchStore({ dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  });

  it('saves the graph beside the sidecar under a safe file name', async () => {
    const dir = temporaryFolder();
    const store = createUsearchStore({ dir, saveDelayMs: 10 });
    await store.ensureCollection({ name: 'kb_1:ollama/nomic-embed-text', dimensions: 4 });
    await store.upsert('kb_1:ollama/nomic-embed-text', [{ id: 'a', documentId: 'd', vector: unit(4, 0) }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const files = readdirSync(dir);
    expect(files).toContain('usearch.sqlite');
    expect(files.filter((file) => file.endsWith('.usearch'))).toEqual([expect.stringMatching(/^c_kb_1_ollama_nomic_embed_text_[0-9a-f]{16}\.usearch$/)]);
    await store.close();
  });

  it('loses nothing when the process ends before the graph was saved: the sidecar is replayed', async () => {
    const dir = temporaryFolder();
    const records = randomRecords(21, 500, 16, (i) => `doc-${i % 4}`);
    const first = createUsearchStore({ dir, saveDelayMs: 60_000 });
    await first.ensureCollection({ name: 'kb', dimensions: 16 });
    await first.upsert('kb', records.slice(0, 300));
    await first.close(); // saved at this point
    const second = createUsearchStore({ dir, saveDelayMs: 60_000 });
    await second.upsert('kb', records.slice(300));
    await second.deleteDocument('kb', 'doc-1');
    // No close: as if the process had been killed. A third opening replays the sidecar.
    const third = createUsearchStore({ dir });
    const kept = records.filter((record) => record.documentId !== 'doc-1');
    expect(await third.count('kb')).toBe(kept.length);
    const query = randomVector(seededRandom(22), 16);
    expect((await third.search('kb', { vector: query, k: 10 })).map((match) => match.id)).toEqual(exactSearch(kept, query, 10).map((match) => match.id));
    await third.close();
    await second.close();
  });

  it('rebuilds a damaged index file from the sidecar', async () => {
    const dir = temporaryFolder();
    const store = createUsearchStore({ dir });
    await store.ensureCollection({ name: 'kb', dimensions: 8 });
    await store.upsert('kb', randomRecords(23, 50, 8));
    await store.close();
    const file = readdirSync(dir).find((name) => name.endsWith('.usearch'))!;
    writeFileSync(path.join(dir, file), 'not an index');
    const reopened = createUsearchStore({ dir });
    expect(await reopened.count('kb')).toBe(50);
    expect(await reopened.search('kb', { vector: randomRecords(23, 1, 8)[0]!.vector, k: 1 })).toEqual([
      { id: 'chunk-0', documentId: 'doc-0', score: expect.closeTo(1, 4) },
    ]);
    await reopened.close();
  });

  it('answers a filter over many vectors from the graph, asking for more neighbours until k pass', async () => {
    const dir = temporaryFolder();
    const store = createUsearchStore({ dir, exactSearchLimit: 10 });
    const records = randomRecords(24, 2000, 16, (i) => `doc-${i % 50}`);
    await store.ensureCollection({ name: 'kb', dimensions: 16 });
    await store.upsert('kb', records);
    const query = randomVector(seededRandom(25), 16);
    const documentIds = ['doc-7', 'doc-8'];
    const found = await store.search('kb', { vector: query, k: 10, documentIds });
    const expected = exactSearch(records, query, 10, documentIds);
    expect(found).toHaveLength(10);
    expect(found.every((match) => documentIds.includes(match.documentId))).toBe(true);
    const overlap = found.filter((match) => expected.some((e) => e.id === match.id)).length;
    expect(overlap).toBeGreaterThanOrEqual(9);
    await store.close();
  });

  it('removes the index file when a collection is dropped', async () => {
    const dir = temporaryFolder();
    const store = createUsearchStore({ dir });
    await store.ensureCollection({ name: 'kb', dimensions: 4 });
    await store.upsert('kb', [{ id: 'a', documentId: 'd', vector: unit(4, 1) }]);
    await store.close();
    const reopened = createUsearchStore({ dir });
    const file = path.join(dir, readdirSync(dir).find((name) => name.endsWith('.usearch'))!);
    expect(existsSync(file)).toBe(true);
    await reopened.dropCollection('kb');
    expect(existsSync(file)).toBe(false);
    await reopened.close();
  });
});
