/**
 * The Qdrant store against the protocol-faithful Qdrant test server (test-support/): no
 * Qdrant binary is available here. Requests go through the platform's guarded fetch.
 */
import { describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../../net/outbound-guard.js';
import { startQdrantTestServer } from '../test-support/qdrant-test-server.js';
import { runVectorStoreConformance } from '../test-support/vector-store-conformance.js';
import { unit } from '../test-support/vector-test-data.js';
import { qdrantPointId } from './qdrant-point-id.js';
import { createQdrantStore } from './qdrant-store.js';

const fetchToLoopback = createGuardedFetch({ allowLoopback: true });

describe('Qdrant store (Qdrant test server)', () => {
  runVectorStoreConformance({
    kind: 'qdrant',
    createFixture: async () => {
      const server = await startQdrantTestServer({ apiKey: 'test-key' });
      return { open: async () => createQdrantStore({ url: server.url, apiKey: 'test-key', fetch: fetchToLoopback }), dispose: () => server.close() };
    },
  });

  it('creates a Cosine collection with a keyword index on document_id, stores name-based UUIDs and keeps the chunk id in the payload', async () => {
    const server = await startQdrantTestServer({ apiKey: 'k' });
    try {
      const store = createQdrantStore({ url: `${server.url}/`, apiKey: 'k', fetch: fetchToLoopback });
      await store.ensureCollection({ name: 'kb_1:ollama/nomic-embed-text', dimensions: 4 });
      await store.upsert('kb_1:ollama/nomic-embed-text', [{ id: 'chunk/7', documentId: 'doc-1', vector: [3, 0, 0, 0] }]);
      const [remote, collection] = [...server.collections][0]!;
      expect(remote).toMatch(/^sutazai_kb_1_ollama_nomic_embed_text_[0-9a-f]{16}$/);
      expect(collection).toMatchObject({ size: 4, distance: 'Cosine', payloadSchema: { document_id: { data_type: 'keyword' } } });
      expect([...collection.points.values()]).toEqual([{ id: qdrantPointId('chunk/7'), vector: Float32Array.from([1, 0, 0, 0]), payload: { chunk_id: 'chunk/7', document_id: 'doc-1' }, version: expect.any(Number) }]);
      expect(server.requests.every((request) => request.headers['api-key'] === 'k')).toBe(true);
      expect(server.requests.filter((request) => request.method === 'PUT').map((request) => request.path)).toEqual([
        `/collections/${remote}`, `/collections/${remote}/index?wait=true`, `/collections/${remote}/points?wait=true`,
      ]);
    } finally {
      await server.close();
    }
  });

  it('maps a chunk id to the same version 5 UUID every time, different ids to different UUIDs', () => {
    expect(qdrantPointId('kb_1/doc_2/chunk_3')).toBe(qdrantPointId('kb_1/doc_2/chunk_3'));
    expect(qdrantPointId('a')).not.toBe(qdrantPointId('b'));
    expect(qdrantPointId('ünïcödé')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('says when Qdrant refuses the API key, and the probe reports it with the hint', async () => {
    const server = await startQdrantTestServer({ apiKey: 'right' });
    try {
      const wrong = createQdrantStore({ url: server.url, apiKey: 'wrong', fetch: fetchToLoopback });
      await expect(wrong.ensureCollection({ name: 'kb', dimensions: 4 })).rejects.toMatchObject({
        code: 'VECTOR_STORE_FAILED', retryable: false, message: expect.stringMatching(/refused the request \(401\): Must provide an API key/), hint: expect.stringMatching(/QDRANT_API_KEY/),
      });
      const none = createQdrantStore({ url: server.url, fetch: fetchToLoopback });
      expect(await none.probe()).toMatchObject({ status: 'down', hint: 'This Qdrant requires an API key: set QDRANT_API_KEY.' });
    } finally {
      await server.close();
    }
  });

  it('reports a Qdrant that does not answer as unavailable and retryable', async () => {
    const server = await startQdrantTestServer();
    await server.close();
    const store = createQdrantStore({ url: server.url, fetch: fetchToLoopback, timeoutMs: 2000 });
    await expect(store.search('kb', { vector: unit(4, 0), k: 3 })).rejects.toMatchObject({ code: 'VECTOR_STORE_UNAVAILABLE', retryable: true, hint: expect.stringMatching(/QDRANT_URL/) });
    expect(await store.probe()).toMatchObject({ status: 'down', detail: expect.stringMatching(/could not be reached/) });
  });

  it('passes on the outbound guard\'s refusal with its hint when QDRANT_URL is not allowed', async () => {
    const server = await startQdrantTestServer();
    try {
      const store = createQdrantStore({ url: server.url, fetch: createGuardedFetch({}) });
      await expect(store.count('kb')).rejects.toMatchObject({ code: 'VECTOR_STORE_UNAVAILABLE', retryable: false, hint: expect.stringMatching(/OUTBOUND_ALLOW/) });
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('answers Qdrant\'s errors for wrong input as Qdrant does', async () => {
    const server = await startQdrantTestServer();
    try {
      const put = (path: string, body: unknown) => fetch(`${server.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await put('/collections/c', { vectors: { size: 2, distance: 'Cosine' } })).status).toBe(200);
      const again = await put('/collections/c', { vectors: { size: 2, distance: 'Cosine' } });
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({ status: { error: 'Wrong input: Collection `c` already exists!' }, time: expect.any(Number) });
      const wrongDimensions = await put('/collections/c/points', { points: [{ id: 1, vector: [1, 2, 3] }] });
      expect(wrongDimensions.status).toBe(400);
      expect(await wrongDimensions.json()).toMatchObject({ status: { error: 'Wrong input: Vector dimension error: expected dim: 2, got 3' } });
      const badId = await put('/collections/c/points', { points: [{ id: 'chunk-1', vector: [1, 2] }] });
      expect(badId.status).toBe(400);
      expect(((await badId.json()) as { status: { error: string } }).status.error).toMatch(/is not a valid point ID/);
      const missing = await fetch(`${server.url}/collections/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ status: { error: 'Not found: Collection `nope` doesn\'t exist!' } });
    } finally {
      await server.close();
    }
  });
});
