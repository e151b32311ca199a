/**
 * The one vector-store conformance suite. Each store's test file calls it inside its own
 * `describe`, so LanceDB, usearch, sqlite-vec, pgvector and Qdrant keep the same promises.
 * Every case works in collections of its own, so the cases share one store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SCAN_LIMIT, type StoredVector, type VectorRecord, type VectorStore } from '../vector-store.js';
import { cosineSimilarity } from '../vector-math.js';
import { exactSearch, randomRecords, randomVector, scaled, seededRandom, unit } from './vector-test-data.js';

export interface VectorStoreFixture {
  /** Opens a store on the fixture's data; a second call opens the same data again. */
  open(): Promise<VectorStore>;
  /** Removes what the fixture created (files, schemas, servers). */
  dispose(): Promise<void>;
}

export interface VectorStoreConformanceOptions {
  kind: string;
  createFixture: () => Promise<VectorStoreFixture>;
  /** Approximate stores are held to exact answers on small sets too; this only widens score rounding. */
  scoreDigits?: number;
}

export interface VectorStoreConformanceContext {
  /** The shared store, opened by the first test that asks (a store that cannot open fails every test). */
  store(): Promise<VectorStore>;
  fixture(): Promise<VectorStoreFixture>;
}

export function runVectorStoreConformance(options: VectorStoreConformanceOptions): VectorStoreConformanceContext {
  let fixture: Promise<VectorStoreFixture> | undefined;
  let store: Promise<VectorStore> | undefined;
  const context: VectorStoreConformanceContext = {
    fixture: () => (fixture ??= options.createFixture()),
    store: () => (store ??= context.fixture().then((created) => created.open())),
  };
  const digits = options.scoreDigits ?? 4;
  const name = (label: string) => `kb_${randomUUID()}:test/${label}`;

  afterAll(async () => {
    const opened = await store?.catch(() => undefined);
    await opened?.close();
    const created = await fixture?.catch(() => undefined);
    await created?.dispose();
  });

  async function filled(records: readonly VectorRecord[], dimensions: number, label = 'model') {
    const vectors = await context.store();
    const collection = name(label);
    await vectors.ensureCollection({ name: collection, dimensions });
    await vectors.upsert(collection, records);
    return { vectors, collection };
  }

  describe('search', () => {
    it(`is a ${options.kind} store and answers its probe`, async () => {
      const vectors = await context.store();
      expect(vectors.kind).toBe(options.kind);
      const probe = await vectors.probe();
      expect(probe).toMatchObject({ status: 'healthy' });
      expect(probe.latencyMs).toBeGreaterThanOrEqual(0);
      expect(probe.detail).not.toBe('');
    });

    it('finds the exact nearest neighbours of a small set, best first, with cosine scores', async () => {
      const records = randomRecords(1, 300, 24);
      const { vectors, collection } = await filled(records, 24);
      const random = seededRandom(2);
      for (let q = 0; q < 10; q++) {
        const query = randomVector(random, 24);
        const expected = exactSearch(records, query, 8);
        const found = await vectors.search(collection, { vector: query, k: 8 });
        expect(found.map((match) => match.id)).toEqual(expected.map((match) => match.id));
        found.forEach((match, i) => {
          expect(match.documentId).toBe(expected[i]!.documentId);
          expect(match.score).toBeCloseTo(expected[i]!.score, digits);
        });
      }
    });

    it('compares directions: the same direction scores 1, orthogonal 0, opposite -1, whatever the lengths', async () => {
      const records = [
        { id: 'same', documentId: 'd', vector: scaled(unit(4, 0), 7) },
        { id: 'orthogonal', documentId: 'd', vector: unit(4, 1) },
        { id: 'opposite', documentId: 'd', vector: scaled(unit(4, 0, -1), 0.25) },
      ];
      const { vectors, collection } = await filled(records, 4);
      const found = await vectors.search(collection, { vector: scaled(unit(4, 0), 0.01), k: 3 });
      expect(found.map((match) => match.id)).toEqual(['same', 'orthogonal', 'opposite']);
      expect(found[0]!.score).toBeCloseTo(1, digits);
      expect(found[1]!.score).toBeCloseTo(0, digits);
      expect(found[2]!.score).toBeCloseTo(-1, digits);
    });

    it('returns everything, best first, when k exceeds the collection, and nothing for k = 0', async () => {
      const records = randomRecords(3, 5, 8);
      const { vectors, collection } = await filled(records, 8);
      const query = randomVector(seededRandom(4), 8);
      const found = await vectors.search(collection, { vector: query, k: 50 });
      expect(found.map((match) => match.id)).toEqual(exactSearch(records, query, 50).map((match) => match.id));
      expect(await vectors.search(collection, { vector: query, k: 0 })).toEqual([]);
    });

    it('searches an empty collection and a missing one as empty', async () => {
      const vectors = await context.store();
      const collection = name('empty');
      await vectors.ensureCollection({ name: collection, dimensions: 8 });
      expect(await vectors.search(collection, { vector: unit(8, 0), k: 10 })).toEqual([]);
      expect(await vectors.count(collection)).toBe(0);
      const missing = name('missing');
      expect(await vectors.search(missing, { vector: unit(8, 0), k: 10 })).toEqual([]);
      expect(await vectors.count(missing)).toBe(0);
    });
  });

  describe('documents', () => {
    it('filters by document before ranking: k matches from the chosen documents even when others are closer', async () => {
      const near = Array.from({ length: 200 }, (_, i) => ({ id: `near-${i}`, documentId: 'near', vector: [1, (i % 10) / 100, i / 1000, 0] }));
      const far = [
        { id: 'far-1', documentId: 'far', vector: [0.1, 1, 0, 0] },
        { id: 'far-2', documentId: 'far', vector: [0, 0, 1, 0] },
        { id: 'far-3', documentId: 'far', vector: [-1, 0, 0, 0.1] },
        { id: 'other-1', documentId: 'other', vector: [0, 0, 0, 1] },
      ];
      const { vectors, collection } = await filled([...near, ...far], 4);
      const found = await vectors.search(collection, { vector: [1, 0, 0, 0], k: 3, documentIds: ['far'] });
      expect(found.map((match) => match.id)).toEqual(['far-1', 'far-2', 'far-3']);
      const two = await vectors.search(collection, { vector: [1, 0, 0, 0], k: 10, documentIds: ['far', 'other', 'unknown'] });
      expect(two.map((match) => match.id).sort()).toEqual(['far-1', 'far-2', 'far-3', 'other-1']);
      expect(await vectors.search(collection, { vector: [1, 0, 0, 0], k: 3, documentIds: [] })).toEqual([]);
    });

    it('filters exactly on a larger random set', async () => {
      const records = randomRecords(5, 400, 16, (i) => `doc-${i % 20}`);
      const { vectors, collection } = await filled(records, 16);
      const query = randomVector(seededRandom(6), 16);
      const documentIds = ['doc-3', 'doc-11'];
      const found = await vectors.search(collection, { vector: query, k: 5, documentIds });
      expect(found.map((match) => match.id)).toEqual(exactSearch(records, query, 5, documentIds).map((match) => match.id));
    });

    it('upsert replaces a chunk by id: its vector and its document change, the count does not', async () => {
      const { vectors, collection } = await filled([
        { id: 'a', documentId: 'd1', vector: unit(4, 0) },
        { id: 'b', documentId: 'd1', vector: unit(4, 1) },
      ], 4);
      await vectors.upsert(collection, [{ id: 'a', documentId: 'd2', vector: unit(4, 2) }]);
      expect(await vectors.count(collection)).toBe(2);
      const found = await vectors.search(collection, { vector: unit(4, 2), k: 1 });
      expect(found).toEqual([{ id: 'a', documentId: 'd2', score: expect.closeTo(1, digits) }]);
      expect(await vectors.search(collection, { vector: unit(4, 0), k: 5, documentIds: ['d1'] })).toEqual([
        { id: 'b', documentId: 'd1', score: expect.closeTo(0, digits) },
      ]);
    });

    it('keeps the last of repeated ids in one upsert', async () => {
      const { vectors, collection } = await filled([
        { id: 'x', documentId: 'd1', vector: unit(4, 0) },
        { id: 'x', documentId: 'd2', vector: unit(4, 3) },
      ], 4);
      expect(await vectors.count(collection)).toBe(1);
      expect(await vectors.search(collection, { vector: unit(4, 3), k: 5 })).toEqual([{ id: 'x', documentId: 'd2', score: expect.closeTo(1, digits) }]);
    });

    it('deleteDocument removes its chunks from search and count, and only its chunks', async () => {
      const records = randomRecords(7, 120, 8, (i) => `doc-${i % 3}`);
      const { vectors, collection } = await filled(records, 8);
      await vectors.deleteDocument(collection, 'doc-1');
      expect(await vectors.count(collection)).toBe(80);
      const query = randomVector(seededRandom(8), 8);
      const found = await vectors.search(collection, { vector: query, k: 120 });
      expect(found).toHaveLength(80);
      expect(found.some((match) => match.documentId === 'doc-1')).toBe(false);
      expect(await vectors.search(collection, { vector: query, k: 10, documentIds: ['doc-1'] })).toEqual([]);
      const remaining = records.filter((record) => record.documentId !== 'doc-1');
      expect(found.slice(0, 10).map((match) => match.id)).toEqual(exactSearch(remaining, query, 10).map((match) => match.id));
      await vectors.deleteDocument(collection, 'never-indexed');
      await vectors.deleteDocument(name('missing'), 'doc-0');
      expect(await vectors.count(collection)).toBe(80);
    });

    it('takes document and chunk ids with quotes, spaces and other scripts', async () => {
      const awkward = [`it's "quoted"`, 'semi;colon -- comment', 'ünïcödé 文書', 'back\\slash', '%_wild*'];
      const records = awkward.map((documentId, i) => ({ id: `${documentId}#${i}`, documentId, vector: unit(8, i) }));
      const { vectors, collection } = await filled(records, 8);
      for (const [i, documentId] of awkward.entries()) {
        expect(await vectors.search(collection, { vector: unit(8, i), k: 5, documentIds: [documentId] })).toEqual([
          { id: `${documentId}#${i}`, documentId, score: expect.closeTo(1, digits) },
        ]);
      }
      await vectors.deleteDocument(collection, awkward[0]!);
      expect(await vectors.count(collection)).toBe(awkward.length - 1);
    });
  });

  describe('collections', () => {
    it('keeps collections apart: the same ids, other vectors and dimensions, deletes and drops', async () => {
      const vectors = await context.store();
      const first = name('first');
      const second = name('second');
      await vectors.ensureCollection({ name: first, dimensions: 4 });
      await vectors.ensureCollection({ name: second, dimensions: 6 });
      await vectors.upsert(first, [{ id: 'same', documentId: 'd', vector: unit(4, 0) }, { id: 'only-first', documentId: 'e', vector: unit(4, 1) }]);
      await vectors.upsert(second, [{ id: 'same', documentId: 'd', vector: unit(6, 5) }]);
      expect(await vectors.search(second, { vector: unit(6, 5), k: 5 })).toEqual([{ id: 'same', documentId: 'd', score: expect.closeTo(1, digits) }]);
      await vectors.deleteDocument(first, 'd');
      expect(await vectors.count(first)).toBe(1);
      expect(await vectors.count(second)).toBe(1);
      await vectors.dropCollection(second);
      expect(await vectors.count(second)).toBe(0);
      expect(await vectors.search(first, { vector: unit(4, 1), k: 5 })).toEqual([{ id: 'only-first', documentId: 'e', score: expect.closeTo(1, digits) }]);
    });

    it('tells names apart that differ only in case or punctuation, and takes long names', async () => {
      const vectors = await context.store();
      const base = `kb_${randomUUID()}`;
      const names = [`${base}:ollama/nomic-embed-text`, `${base}:ollama_nomic-embed-text`, `${base}:OLLAMA/nomic-embed-text`, `${base}:${'m'.repeat(400)}`];
      for (const [i, collection] of names.entries()) {
        await vectors.ensureCollection({ name: collection, dimensions: 4 });
        await vectors.upsert(collection, [{ id: 'c', documentId: 'd', vector: unit(4, i) }]);
      }
      for (const [i, collection] of names.entries()) {
        expect(await vectors.count(collection)).toBe(1);
        const [match] = await vectors.search(collection, { vector: unit(4, i), k: 1 });
        expect(match?.score).toBeCloseTo(1, digits);
      }
    });

    it('drops a collection with its vectors; it can be created again empty, even with other dimensions', async () => {
      const { vectors, collection } = await filled(randomRecords(9, 20, 8), 8);
      await vectors.dropCollection(collection);
      await vectors.dropCollection(collection);
      expect(await vectors.count(collection)).toBe(0);
      await expect(vectors.upsert(collection, randomRecords(9, 1, 8))).rejects.toMatchObject({ code: 'VECTOR_COLLECTION_NOT_FOUND' });
      await vectors.ensureCollection({ name: collection, dimensions: 3 });
      expect(await vectors.count(collection)).toBe(0);
      await vectors.upsert(collection, [{ id: 'n', documentId: 'd', vector: [1, 2, 3] }]);
      expect(await vectors.count(collection)).toBe(1);
    });

    it('ensureCollection is idempotent, also when called concurrently', async () => {
      const vectors = await context.store();
      const collection = name('concurrent-ensure');
      await Promise.all(Array.from({ length: 8 }, () => vectors.ensureCollection({ name: collection, dimensions: 8 })));
      await vectors.upsert(collection, randomRecords(10, 3, 8));
      await vectors.ensureCollection({ name: collection, dimensions: 8 });
      expect(await vectors.count(collection)).toBe(3);
    });

    it('takes concurrent upserts into one collection without losing any', async () => {
      const vectors = await context.store();
      const collection = name('concurrent-upsert');
      await vectors.ensureCollection({ name: collection, dimensions: 8 });
      const batches = Array.from({ length: 12 }, (_, batch) =>
        randomRecords(100 + batch, 40, 8).map((record) => ({ ...record, id: `${batch}-${record.id}`, documentId: `doc-${batch}` })));
      await Promise.all(batches.map((batch) => vectors.upsert(collection, batch)));
      expect(await vectors.count(collection)).toBe(480);
      const all = batches.flat();
      const query = randomVector(seededRandom(11), 8);
      const found = await vectors.search(collection, { vector: query, k: 10 });
      expect(found.map((match) => match.id)).toEqual(exactSearch(all, query, 10).map((match) => match.id));
      const perDocument = await vectors.search(collection, { vector: query, k: 100, documentIds: ['doc-4'] });
      expect(perDocument).toHaveLength(40);
    });
  });

  describe('scan', () => {
    it('pages through every record once, with its document and the direction it was written with', async () => {
      const records = randomRecords(15, 230, 12, (i) => `doc-${i % 4}`);
      const { vectors, collection } = await filled(records, 12);
      await vectors.upsert(collection, [{ id: 'chunk-3', documentId: 'doc-9', vector: scaled(unit(12, 5), 3) }]);
      await vectors.deleteDocument(collection, 'doc-2');
      const expected = new Map(records.filter((record) => record.documentId !== 'doc-2').map((record) => [record.id, record]));
      expected.set('chunk-3', { id: 'chunk-3', documentId: 'doc-9', vector: unit(12, 5) });
      const { records: scanned, pages } = await scanAll(vectors, collection, 50);
      expect(pages.every((size) => size <= 50)).toBe(true);
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(expected.size / 50));
      expect(scanned.map((record) => record.id).sort()).toEqual([...expected.keys()].sort());
      for (const record of scanned) {
        const written = expected.get(record.id)!;
        expect(record.documentId).toBe(written.documentId);
        expect(record.vector).toBeInstanceOf(Float32Array);
        expect(record.vector).toHaveLength(12);
        expect(cosineSimilarity(record.vector, written.vector)).toBeGreaterThan(1 - 1e-6);
      }
    });

    it('scans an empty or a missing collection as one empty page, and refuses a bad limit', async () => {
      const vectors = await context.store();
      const collection = name('scan-empty');
      await vectors.ensureCollection({ name: collection, dimensions: 4 });
      expect(await vectors.scan(collection, { limit: 10 })).toEqual({ records: [] });
      expect(await vectors.scan(name('scan-missing'), { limit: 10 })).toEqual({ records: [] });
      for (const limit of [0, 2.5, MAX_SCAN_LIMIT + 1]) {
        await expect(vectors.scan(collection, { limit })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      }
      await vectors.upsert(collection, [{ id: 'only', documentId: 'd', vector: unit(4, 2) }]);
      const { records } = await scanAll(vectors, collection, MAX_SCAN_LIMIT);
      expect(records.map((record) => [record.id, record.documentId, Array.from(record.vector)])).toEqual([['only', 'd', [0, 0, 1, 0]]]);
    });
  });

  describe('errors', () => {
    it('refuses a collection of other dimensions with a clear error', async () => {
      const vectors = await context.store();
      const collection = name('dimensions');
      await vectors.ensureCollection({ name: collection, dimensions: 8 });
      const error = await vectors.ensureCollection({ name: collection, dimensions: 16 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'VectorStoreError', code: 'VECTOR_DIMENSIONS_MISMATCH', retryable: false });
      expect((error as Error).message).toMatch(/16.*8|8.*16/);
    });

    it('refuses vectors of the wrong length in upsert and search, writing nothing of the batch', async () => {
      const vectors = await context.store();
      const collection = name('wrong-length');
      await vectors.ensureCollection({ name: collection, dimensions: 8 });
      const batch = [...randomRecords(12, 3, 8), { id: 'short', documentId: 'd', vector: [1, 2, 3] }];
      const error = await vectors.upsert(collection, batch).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'VECTOR_DIMENSIONS_MISMATCH' });
      expect((error as Error).message).toMatch(/3 dimensions.*8/);
      expect(await vectors.count(collection)).toBe(0);
      await vectors.upsert(collection, randomRecords(12, 3, 8));
      await expect(vectors.search(collection, { vector: [1, 2, 3, 4], k: 3 })).rejects.toMatchObject({ code: 'VECTOR_DIMENSIONS_MISMATCH' });
    });

    it('refuses vectors that are zero or not finite, bad k, and upserts into a missing collection', async () => {
      const vectors = await context.store();
      const collection = name('invalid');
      await vectors.ensureCollection({ name: collection, dimensions: 4 });
      await expect(vectors.upsert(collection, [{ id: 'z', documentId: 'd', vector: [0, 0, 0, 0] }])).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.upsert(collection, [{ id: 'n', documentId: 'd', vector: [1, Number.NaN, 0, 0] }])).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.upsert(collection, [{ id: '', documentId: 'd', vector: [1, 0, 0, 0] }])).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.search(collection, { vector: [1, 0, 0, 0], k: -1 })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.search(collection, { vector: [1, 0, 0, 0], k: 2.5 })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.search(collection, { vector: [0, 0, 0, 0], k: 1 })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.ensureCollection({ name: '', dimensions: 4 })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.ensureCollection({ name: name('zero'), dimensions: 0 })).rejects.toMatchObject({ code: 'VECTOR_INVALID' });
      await expect(vectors.upsert(name('never-created'), [{ id: 'a', documentId: 'd', vector: [1, 0, 0, 0] }])).rejects.toMatchObject({ code: 'VECTOR_COLLECTION_NOT_FOUND' });
      expect(await vectors.count(collection)).toBe(0);
    });
  });

  describe('persistence', () => {
    it('keeps every collection across a close and a reopen, usable without ensureCollection', async () => {
      const records = randomRecords(13, 150, 12, (i) => `doc-${i % 5}`);
      const { vectors, collection } = await filled(records, 12, 'reopen');
      await vectors.deleteDocument(collection, 'doc-2');
      await vectors.upsert(collection, [{ id: 'chunk-0', documentId: 'doc-0', vector: unit(12, 11) }]);
      const firstPage = await vectors.scan(collection, { limit: 40 });
      await vectors.close();
      const reopened = (await context.fixture()).open();
      store = reopened;
      const again = await reopened;
      expect(await again.count(collection)).toBe(120);
      const kept = records.filter((record) => record.documentId !== 'doc-2').map((record) => (record.id === 'chunk-0' ? { ...record, vector: unit(12, 11) } : record));
      const query = randomVector(seededRandom(14), 12);
      expect((await again.search(collection, { vector: query, k: 10 })).map((match) => match.id)).toEqual(exactSearch(kept, query, 10).map((match) => match.id));
      expect(await again.search(collection, { vector: unit(12, 11), k: 1 })).toEqual([{ id: 'chunk-0', documentId: 'doc-0', score: expect.closeTo(1, digits) }]);
      // A scan begun before the close continues after it with the cursor.
      expect(firstPage.records).toHaveLength(40);
      const rest = await scanAll(again, collection, 30, firstPage.cursor);
      expect([...firstPage.records, ...rest.records].map((record) => record.id).sort()).toEqual(kept.map((record) => record.id).sort());
      await again.upsert(collection, [{ id: 'after-reopen', documentId: 'doc-9', vector: unit(12, 3) }]);
      expect(await again.count(collection)).toBe(121);
      await expect(again.ensureCollection({ name: collection, dimensions: 13 })).rejects.toMatchObject({ code: 'VECTOR_DIMENSIONS_MISMATCH' });
    });
  });

  return context;
}

/** Every record of a collection, page by page from `cursor`, and the size of each page. */
async function scanAll(vectors: VectorStore, collection: string, limit: number, cursor?: string): Promise<{ records: StoredVector[]; pages: number[] }> {
  const records: StoredVector[] = [];
  const pages: number[] = [];
  let next = cursor;
  do {
    const page = await vectors.scan(collection, { limit, ...(next === undefined ? {} : { cursor: next }) });
    records.push(...page.records);
    pages.push(page.records.length);
    next = page.cursor;
  } while (next !== undefined);
  return { records, pages };
}
