/**
 * Qdrant over its REST API (no client library: six endpoints, through the platform's guarded
 * fetch). One Qdrant collection per collection (`sutazai_<slug>_<hash>`), cosine distance, a
 * keyword index on `document_id`. Qdrant point ids must be unsigned integers or UUIDs, so a
 * chunk id becomes a name-based UUID (`qdrant-point-id.ts`) and stays in the payload as
 * `chunk_id`, with `document_id` for filtering and deletion.
 *
 * Endpoints: GET/PUT/DELETE /collections/{name}, PUT /collections/{name}/index,
 * PUT /collections/{name}/points, POST /collections/{name}/points/{search,delete,count,scroll},
 * GET /collections (the probe). Writes wait for Qdrant to apply them (`wait=true`).
 */
import { safeCollectionName } from '../collection-names.js';
import { checkCollectionName, checkDimensions, checkScan, checkSearchShape, checkedRecords, checkedSearch } from '../vector-checks.js';
import type { VectorMatch, VectorStore } from '../vector-store.js';
import { VectorStoreError, collectionNotFound, dimensionsMismatch } from '../vector-store-error.js';
import { qdrantPointId } from './qdrant-point-id.js';

/** The platform's guarded fetch, or any function of the same shape. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface QdrantStoreOptions {
  /** e.g. http://127.0.0.1:6333 */
  url: string;
  /** Sent as the `api-key` header. */
  apiKey?: string;
  fetch: FetchLike;
  /** Per request. */
  timeoutMs?: number;
  /** Search candidates (`hnsw_ef`), raised to k when k is larger. */
  hnswEf?: number;
}

const BATCH = 256;

interface Answer {
  status: number;
  body: unknown;
}

export function createQdrantStore(options: QdrantStoreOptions): VectorStore {
  const base = options.url.replace(/\/+$/, '');
  const { timeoutMs = 10_000, hnswEf = 128 } = options;
  const dimensionsOf = new Map<string, number>();
  const remoteName = (name: string) => safeCollectionName(name, { prefix: 'sutazai_', maxLength: 100 });
  const path = (name: string, rest = '') => `/collections/${remoteName(name)}${rest}`;

  async function request(method: string, route: string, body?: unknown): Promise<Answer> {
    let response: Response;
    try {
      response = await options.fetch(`${base}${route}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.apiKey ? { 'api-key': options.apiKey } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const refusal = error as { code?: string; hint?: string };
      if (refusal.code === 'OUTBOUND_REQUEST_BLOCKED') {
        throw new VectorStoreError('VECTOR_STORE_UNAVAILABLE', `Qdrant at ${base} may not be reached: ${(error as Error).message}`, { cause: error, retryable: false, ...(refusal.hint ? { hint: refusal.hint } : {}) });
      }
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new VectorStoreError('VECTOR_STORE_UNAVAILABLE', `Qdrant at ${base} ${timedOut ? `did not answer within ${timeoutMs} ms` : `could not be reached (${(error as Error).message})`}.`, {
        cause: error, hint: 'Check QDRANT_URL and that Qdrant runs; GET /health/detailed shows it.',
      });
    }
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('content-type') ?? '')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new VectorStoreError('VECTOR_STORE_FAILED', `Qdrant at ${base} answered ${method} ${route} with malformed JSON.`, { hint: 'Check that QDRANT_URL points at Qdrant\'s REST port (6333 by default).' });
      }
    }
    if (response.status === 401 || response.status === 403) {
      throw new VectorStoreError('VECTOR_STORE_FAILED', `Qdrant at ${base} refused the request (${response.status}): ${errorText(parsed)}`, {
        hint: options.apiKey ? 'Check QDRANT_API_KEY: Qdrant did not accept it.' : 'This Qdrant requires an API key: set QDRANT_API_KEY.',
      });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new VectorStoreError('VECTOR_STORE_UNAVAILABLE', `Qdrant at ${base} answered ${method} ${route} with ${response.status}: ${errorText(parsed)}`, {
        hint: 'Qdrant is overloaded or failing; GET /health/detailed shows it.',
      });
    }
    return { status: response.status, body: parsed };
  }

  function errorText(body: unknown): string {
    const status = (body as { status?: unknown } | undefined)?.status;
    if (typeof status === 'object' && status !== null && 'error' in status) return String((status as { error: unknown }).error);
    return typeof body === 'string' && body ? body.slice(0, 300) : 'no details';
  }

  function expectOk(answer: Answer, action: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return (answer.body as { result?: unknown }).result;
    throw new VectorStoreError('VECTOR_STORE_FAILED', `Qdrant could not ${action} (${answer.status}): ${errorText(answer.body)}`);
  }

  async function describe(name: string): Promise<number | undefined> {
    const cached = dimensionsOf.get(name);
    if (cached !== undefined) return cached;
    const answer = await request('GET', path(name));
    if (answer.status === 404) return undefined;
    const result = expectOk(answer, `read the collection "${name}"`) as { config?: { params?: { vectors?: { size?: unknown } } } };
    const size = result?.config?.params?.vectors?.size;
    if (typeof size !== 'number') throw new VectorStoreError('VECTOR_STORE_FAILED', `The Qdrant collection ${remoteName(name)} has named or no vectors; it was not made by SutazAI.`);
    dimensionsOf.set(name, size);
    return size;
  }

  /** A collection deleted behind our back (another replica): forget it. */
  function missing(name: string, answer: Answer): boolean {
    if (answer.status !== 404) return false;
    dimensionsOf.delete(name);
    return true;
  }

  const documentFilter = (documentIds: readonly string[]) => ({ must: [{ key: 'document_id', match: { any: documentIds } }] });

  return {
    kind: 'qdrant',

    async ensureCollection({ name, dimensions }) {
      checkCollectionName(name);
      checkDimensions(dimensions);
      let existing = await describe(name);
      if (existing === undefined) {
        const created = await request('PUT', path(name), { vectors: { size: dimensions, distance: 'Cosine' } });
        // 409: another replica created it first; its dimensions are checked below.
        if (created.status !== 409) expectOk(created, `create the collection "${name}"`);
        expectOk(await request('PUT', path(name, '/index?wait=true'), { field_name: 'document_id', field_schema: 'keyword' }), `index document_id in "${name}"`);
        existing = await describe(name);
      }
      if (existing !== dimensions) throw dimensionsMismatch(name, existing ?? 0, dimensions, 'The requested collection');
    },

    async upsert(name, records) {
      checkCollectionName(name);
      const dimensions = await describe(name);
      if (dimensions === undefined) throw collectionNotFound(name);
      const checked = checkedRecords(records, dimensions, name);
      for (let start = 0; start < checked.length; start += BATCH) {
        const points = checked.slice(start, start + BATCH).map((record) => ({
          id: qdrantPointId(record.id),
          vector: Array.from(record.vector),
          payload: { chunk_id: record.id, document_id: record.documentId },
        }));
        const answer = await request('PUT', path(name, '/points?wait=true'), { points });
        if (missing(name, answer)) throw collectionNotFound(name);
        expectOk(answer, `write to "${name}"`);
      }
    },

    async search(name, query) {
      checkCollectionName(name);
      const dimensions = await describe(name);
      if (dimensions === undefined) {
        checkSearchShape(query);
        return [];
      }
      const { vector, k, documentIds } = checkedSearch(query, dimensions, name);
      if (k === 0 || documentIds?.length === 0) return [];
      const answer = await request('POST', path(name, '/points/search'), {
        vector: Array.from(vector),
        limit: k,
        with_payload: ['chunk_id', 'document_id'],
        params: { hnsw_ef: Math.max(hnswEf, k) },
        ...(documentIds ? { filter: documentFilter(documentIds) } : {}),
      });
      if (missing(name, answer)) return [];
      const points = expectOk(answer, `search "${name}"`) as { score: number; payload?: { chunk_id?: unknown; document_id?: unknown } }[];
      return points.map((point): VectorMatch => ({ id: String(point.payload?.chunk_id), documentId: String(point.payload?.document_id), score: point.score }));
    },

    async deleteDocument(name, documentId) {
      checkCollectionName(name);
      const answer = await request('POST', path(name, '/points/delete?wait=true'), { filter: { must: [{ key: 'document_id', match: { value: documentId } }] } });
      if (!missing(name, answer)) expectOk(answer, `delete from "${name}"`);
    },

    async dropCollection(name) {
      checkCollectionName(name);
      dimensionsOf.delete(name);
      const answer = await request('DELETE', path(name));
      if (answer.status !== 404) expectOk(answer, `drop "${name}"`);
    },

    async count(name) {
      checkCollectionName(name);
      const answer = await request('POST', path(name, '/points/count'), { exact: true });
      if (missing(name, answer)) return 0;
      return Number((expectOk(answer, `count "${name}"`) as { count?: unknown }).count ?? 0);
    },

    async scan(name, options) {
      checkCollectionName(name);
      checkScan(options);
      // Qdrant pages by point id; the next page's first id is the cursor.
      const answer = await request('POST', path(name, '/points/scroll'), {
        limit: options.limit, with_payload: ['chunk_id', 'document_id'], with_vector: true,
        ...(options.cursor === undefined ? {} : { offset: options.cursor }),
      });
      if (missing(name, answer)) return { records: [] };
      const result = expectOk(answer, `read "${name}"`) as { points?: { payload?: { chunk_id?: unknown; document_id?: unknown }; vector?: unknown }[]; next_page_offset?: unknown };
      const records = (result?.points ?? []).map((point) => {
        if (!Array.isArray(point.vector)) throw new VectorStoreError('VECTOR_STORE_FAILED', `Qdrant returned a point of "${name}" without its vector.`);
        return { id: String(point.payload?.chunk_id), documentId: String(point.payload?.document_id), vector: Float32Array.from(point.vector as number[]) };
      });
      const next = result?.next_page_offset;
      return next === null || next === undefined ? { records } : { records, cursor: String(next) };
    },

    async probe() {
      const started = performance.now();
      try {
        const result = expectOk(await request('GET', '/collections'), 'list collections') as { collections?: unknown[] };
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `Qdrant at ${base}: ${result?.collections?.length ?? 0} collection(s)` };
      } catch (error) {
        const hint = (error as VectorStoreError).hint ?? 'Check QDRANT_URL and that Qdrant runs.';
        return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint };
      }
    },

    async close() {
      dimensionsOf.clear();
    },
  };
}
