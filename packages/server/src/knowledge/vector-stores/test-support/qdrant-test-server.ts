/**
 * A protocol-faithful Qdrant test server: no Qdrant binary is available here, so the Qdrant
 * store is tested against this. It is real HTTP (node:http) speaking Qdrant's REST shapes for
 * the endpoints the store uses, modelled on Qdrant 1.x (`src/actix/api/*`, `helpers.rs`):
 *
 * - every JSON answer is `{"result": ..., "status": "ok", "time": <seconds>}`, and every error
 *   `{"status": {"error": "<message>"}, "time": ...}` with Qdrant's status codes: 404 for a
 *   missing collection ("Not found: Collection `x` doesn't exist!"), 409 for an existing one,
 *   400 for wrong input ("Wrong input: Vector dimension error: expected dim: 4, got 3") and
 *   for malformed bodies ("Format error in JSON body: ..."), 422 for invalid names;
 * - with an API key configured, requests without the `api-key` header (or a bearer token)
 *   get 401 with a plain-text body, as Qdrant answers;
 * - point ids must be unsigned integers or UUIDs (returned in canonical lowercase form);
 * - Cosine collections store normalized vectors (a vector whose squared length is within 1e-6
 *   of 1 is kept as sent, as Qdrant's `cosine_preprocess` does), and search scores are dot
 *   products of normalized vectors, i.e. cosine similarity;
 * - scroll pages by point id (integers first, then UUIDs), `next_page_offset` naming the first
 *   point of the next page;
 * - filters: `must`, `should`, `must_not` of `{key, match: {value | any | except}}`.
 *
 * Search is brute force: the point here is the protocol, not Qdrant's HNSW. Everything lives
 * in memory for the life of the server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dot, normalized } from '../vector-math.js';

interface StoredPoint {
  id: string | number;
  vector: Float32Array;
  payload: Record<string, unknown>;
  version: number;
}

interface Collection {
  size: number;
  distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
  points: Map<string, StoredPoint>;
  payloadSchema: Record<string, { data_type: string }>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface QdrantTestServer {
  url: string;
  requests: RecordedRequest[];
  collections: ReadonlyMap<string, Collection>;
  close(): Promise<void>;
}

class QdrantError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const COLLECTION_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

export async function startQdrantTestServer(options: { apiKey?: string } = {}): Promise<QdrantTestServer> {
  const collections = new Map<string, Collection>();
  const requests: RecordedRequest[] = [];
  let operationId = 0;

  const server = http.createServer((request, response) => {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://qdrant');
    requests.push({ method: request.method ?? 'GET', path: url.pathname + url.search, headers: request.headers });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const time = () => Number(process.hrtime.bigint() - started) / 1e9;
      const json = (status: number, body: object) => {
        const text = JSON.stringify({ ...body, time: time() });
        response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      };
      try {
        if (url.pathname === '/' && request.method === 'GET') return json(200, { title: 'qdrant - vector search engine (SutazAI test server)', version: '1.15.0' });
        if (options.apiKey !== undefined && request.headers['api-key'] !== options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
          response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
          return response.end('Must provide an API key or an Authorization bearer token');
        }
        const body = parseBody(Buffer.concat(chunks).toString('utf8'));
        const result = route(request.method ?? 'GET', url, body);
        if (result === undefined) {
          response.writeHead(404);
          return response.end();
        }
        json(200, { result, status: 'ok' });
      } catch (error) {
        if (error instanceof QdrantError) return json(error.status, { status: { error: error.message } });
        json(500, { status: { error: `Service internal error: ${(error as Error).message}` } });
      }
    });
  });

  function parseBody(text: string): unknown {
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new QdrantError(400, `Format error in JSON body: ${(error as Error).message}`);
    }
  }

  function collectionOf(name: string): Collection {
    const collection = collections.get(name);
    if (!collection) throw new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return collection;
  }

  function route(method: string, url: URL, body: unknown): unknown {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'collections') return undefined;
    if (parts.length === 1 && method === 'GET') return { collections: [...collections.keys()].map((name) => ({ name })) };
    const name = parts[1]!;
    if (parts.length === 2) {
      if (method === 'GET') return info(collectionOf(name));
      if (method === 'PUT') return create(name, body);
      if (method === 'DELETE') return collections.delete(name);
      return undefined;
    }
    const collection = () => collectionOf(name);
    const wait = url.searchParams.get('wait') === 'true';
    const updated = () => ({ operation_id: ++operationId, status: wait ? 'completed' : 'acknowledged' });
    const rest = parts.slice(2).join('/');
    if (rest === 'index' && method === 'PUT') {
      const { field_name: field, field_schema: schema } = object(body) as { field_name?: unknown; field_schema?: unknown };
      if (typeof field !== 'string') throw new QdrantError(400, 'Format error in JSON body: missing field `field_name`');
      if (!['keyword', 'integer', 'float', 'bool', 'geo', 'text', 'datetime', 'uuid'].includes(String(schema))) {
        throw new QdrantError(400, `Format error in JSON body: unknown variant \`${String(schema)}\``);
      }
      collection().payloadSchema[field] = { data_type: String(schema) };
      return updated();
    }
    if (rest === 'points' && method === 'PUT') {
      upsert(collection(), body, operationId + 1);
      return updated();
    }
    if (rest === 'points/search' && method === 'POST') return search(collection(), body);
    if (rest === 'points/scroll' && method === 'POST') return scroll(collection(), body ?? {});
    if (rest === 'points/delete' && method === 'POST') {
      const target = collection();
      const { filter, points } = object(body) as { filter?: unknown; points?: unknown };
      if (filter !== undefined) {
        for (const [key, point] of target.points) if (matches(point, filter)) target.points.delete(key);
      } else if (Array.isArray(points)) {
        for (const id of points) target.points.delete(pointKey(id));
      } else {
        throw new QdrantError(400, 'Format error in JSON body: data did not match any variant of untagged enum PointsSelector');
      }
      return updated();
    }
    if (rest === 'points/count' && method === 'POST') {
      const { filter } = object(body ?? {}) as { filter?: unknown };
      return { count: [...collection().points.values()].filter((point) => filter === undefined || matches(point, filter)).length };
    }
    return undefined;
  }

  function object(body: unknown): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new QdrantError(400, 'Format error in JSON body: expected a JSON object');
    return body as Record<string, unknown>;
  }

  function create(name: string, body: unknown) {
    if (!COLLECTION_NAME.test(name)) throw new QdrantError(422, `Validation error in path parameters: [name: collection name contains characters that are not allowed]`);
    const { vectors } = object(body) as { vectors?: { size?: unknown; distance?: unknown } };
    if (typeof vectors !== 'object' || vectors === null) throw new QdrantError(400, 'Format error in JSON body: missing field `vectors`');
    if (typeof vectors.size !== 'number' || !Number.isInteger(vectors.size) || vectors.size < 1) {
      throw new QdrantError(422, 'Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]');
    }
    if (!['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(String(vectors.distance))) {
      throw new QdrantError(400, `Format error in JSON body: unknown variant \`${String(vectors.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``);
    }
    if (collections.has(name)) throw new QdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
    collections.set(name, { size: vectors.size, distance: vectors.distance as Collection['distance'], points: new Map(), payloadSchema: {} });
    return true;
  }

  function info(collection: Collection) {
    return {
      status: 'green', optimizer_status: 'ok', indexed_vectors_count: 0, points_count: collection.points.size, segments_count: 1,
      config: {
        params: { vectors: { size: collection.size, distance: collection.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null, memmap_threshold: null, indexing_threshold: 20000, flush_interval_sec: 5, max_optimization_threads: null },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
      },
      payload_schema: Object.fromEntries(Object.entries(collection.payloadSchema).map(([key, value]) => [key, { ...value, points: collection.points.size }])),
    };
  }

  function pointKey(id: unknown): string {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return `n:${id}`;
    if (typeof id === 'string' && UUID.test(id)) return `u:${canonicalUuid(id)}`;
    throw new QdrantError(400, `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
  }

  function upsert(collection: Collection, body: unknown, version: number) {
    const { points } = object(body) as { points?: unknown };
    if (!Array.isArray(points)) throw new QdrantError(400, 'Format error in JSON body: missing field `points`');
    const checked = points.map((point: { id?: unknown; vector?: unknown; payload?: unknown }) => {
      const key = pointKey(point.id);
      if (!Array.isArray(point.vector) || point.vector.some((value) => typeof value !== 'number')) {
        throw new QdrantError(400, 'Format error in JSON body: data did not match any variant of untagged enum VectorStruct');
      }
      if (point.vector.length !== collection.size) {
        throw new QdrantError(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${point.vector.length}`);
      }
      const vector = Float32Array.from(point.vector as number[]);
      return { key, point: { id: typeof point.id === 'string' ? canonicalUuid(point.id) : (point.id as number), vector: collection.distance === 'Cosine' ? cosinePreprocess(vector) : vector, payload: (point.payload ?? {}) as Record<string, unknown>, version } };
    });
    for (const { key, point } of checked) collection.points.set(key, point);
  }

  function search(collection: Collection, body: unknown) {
    const request = object(body) as { vector?: unknown; limit?: unknown; offset?: unknown; filter?: unknown; with_payload?: unknown; score_threshold?: unknown };
    if (!Array.isArray(request.vector)) throw new QdrantError(400, 'Format error in JSON body: data did not match any variant of untagged enum NamedVectorStruct');
    if (typeof request.limit !== 'number' || !Number.isInteger(request.limit) || request.limit < 1) throw new QdrantError(400, 'Format error in JSON body: missing field `limit`');
    if (request.vector.length !== collection.size) throw new QdrantError(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${request.vector.length}`);
    const query = collection.distance === 'Cosine' ? normalized(request.vector as number[]) : Float32Array.from(request.vector as number[]);
    const offset = typeof request.offset === 'number' ? request.offset : 0;
    const threshold = typeof request.score_threshold === 'number' ? request.score_threshold : -Infinity;
    return [...collection.points.values()]
      .filter((point) => request.filter === undefined || matches(point, request.filter))
      .map((point) => ({ point, score: Math.fround(dot(point.vector, query)) }))
      .filter(({ score }) => score >= threshold)
      .sort((a, b) => b.score - a.score)
      .slice(offset, offset + request.limit)
      .map(({ point, score }) => ({ id: point.id, version: point.version, score, ...payloadOf(point, request.with_payload) }));
  }

  function scroll(collection: Collection, body: unknown) {
    const request = object(body) as { limit?: unknown; offset?: unknown; with_payload?: unknown; with_vector?: unknown; filter?: unknown };
    const limit = request.limit === undefined ? 10 : request.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new QdrantError(422, 'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]');
    const ordered = [...collection.points.entries()].sort(([a], [b]) => compareKeys(a, b));
    const start = request.offset === undefined || request.offset === null ? 0 : ordered.findIndex(([key]) => compareKeys(key, pointKey(request.offset)) >= 0);
    const matching = (start === -1 ? [] : ordered.slice(start)).filter(([, point]) => request.filter === undefined || matches(point, request.filter));
    const page = matching.slice(0, limit);
    const next = matching[limit];
    return {
      points: page.map(([, point]) => ({ id: point.id, ...payloadOf(point, request.with_payload ?? true), ...(request.with_vector === true ? { vector: Array.from(point.vector) } : {}) })),
      next_page_offset: next ? next[1].id : null,
    };
  }

  function payloadOf(point: StoredPoint, selector: unknown): { payload?: Record<string, unknown> } {
    if (selector === true) return { payload: point.payload };
    if (Array.isArray(selector)) return { payload: Object.fromEntries(Object.entries(point.payload).filter(([key]) => selector.includes(key))) };
    return {};
  }

  function matches(point: StoredPoint, filter: unknown): boolean {
    const { must, should, must_not: mustNot } = object(filter) as { must?: unknown[]; should?: unknown[]; must_not?: unknown[] };
    const condition = (raw: unknown): boolean => {
      const { key, match, must: nestedMust, should: nestedShould, must_not: nestedNot } = object(raw) as { key?: unknown; match?: Record<string, unknown>; must?: unknown; should?: unknown; must_not?: unknown };
      if (nestedMust !== undefined || nestedShould !== undefined || nestedNot !== undefined) return matches(point, raw);
      if (typeof key !== 'string' || typeof match !== 'object' || match === null) throw new QdrantError(400, 'Format error in JSON body: data did not match any variant of untagged enum Condition');
      const value = point.payload[key];
      if ('value' in match) return value === match.value;
      if (Array.isArray(match.any)) return match.any.includes(value);
      if (Array.isArray(match.except)) return value !== undefined && !match.except.includes(value);
      throw new QdrantError(400, 'Format error in JSON body: data did not match any variant of untagged enum Match');
    };
    if (must && !must.every(condition)) return false;
    if (should && should.length > 0 && !should.some(condition)) return false;
    if (mustNot && mustNot.some(condition)) return false;
    return true;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    collections,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Point keys in Qdrant's id order: integers by value, then UUIDs (their canonical text orders as their 128-bit value). */
function compareKeys(a: string, b: string): number {
  if (a[0] !== b[0]) return a[0] === 'n' ? -1 : 1;
  if (a[0] === 'n') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Qdrant's `cosine_preprocess`: the squared length in f32, and a vector already of unit length (within 1e-6) kept as sent. */
function cosinePreprocess(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares = Math.fround(squares + Math.fround(value * value));
  if (squares < 1.1920929e-7 || Math.abs(squares - 1) <= 1e-6) return vector;
  return normalized(vector);
}

function canonicalUuid(id: string): string {
  const hex = id.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
