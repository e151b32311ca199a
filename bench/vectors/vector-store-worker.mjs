/**
 * Measures one vector store in a process of its own, so its memory is its own:
 *
 *   node --expose-gc bench/vectors/vector-store-worker.mjs --store usearch --dir /tmp/x \
 *     --vectors 100000 --queries 500 --dimensions 384 --clusters 1000
 *
 * Draws the same clustered vectors as the parent (same seed), inserts them in batches of
 * 1,000 chunks (50 chunks per document), runs the queries one after another, then 100
 * queries filtered to one document, closes the store and prints one JSON object: timings,
 * the ids found (row numbers) for the parent to score, memory and size on disk.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clusteredVectors, exactTopK, normalizedRows, seededRandom } from './clustered-vectors.mjs';

const { values } = parseArgs({
  options: {
    store: { type: 'string' }, dir: { type: 'string' }, vectors: { type: 'string' }, queries: { type: 'string' },
    dimensions: { type: 'string' }, clusters: { type: 'string' }, k: { type: 'string', default: '10' },
  },
});
const count = Number(values.vectors);
const queryCount = Number(values.queries);
const dimensions = Number(values.dimensions);
const k = Number(values.k);
const CHUNKS_PER_DOCUMENT = 50;
const BATCH = 1_000;
const WARM_UP = 20;
const FILTERED_QUERIES = 100;
const progress = (message) => process.stderr.write(`[vector-store-worker ${values.store}] ${message}\n`);

const stores = {
  usearch: async (dir) => (await import('../../packages/server/dist/knowledge/vector-stores/usearch/usearch-store.js')).createUsearchStore({ dir }),
  lancedb: async (dir) => (await import('../../packages/server/dist/knowledge/vector-stores/lancedb/lancedb-store.js')).createLanceDbStore({ dir }),
  'sqlite-vec': async (dir) => (await import('../../packages/server/dist/knowledge/vector-stores/sqlite-vec/sqlite-vec-store.js')).createSqliteVecStore({ dir }),
};

const memory = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
};
const settle = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};
const folderBytes = (folder) => readdirSync(folder, { withFileTypes: true }).reduce((sum, entry) => {
  const full = path.join(folder, entry.name);
  return sum + (entry.isDirectory() ? folderBytes(full) : statSync(full).size);
}, 0);

const { data, queries } = clusteredVectors({ count, queries: queryCount, dimensions, clusters: Number(values.clusters) });
const vectorAt = (flat, row) => flat.subarray(row * dimensions, (row + 1) * dimensions);
const open = stores[values.store];
if (!open) throw new Error(`unknown store ${values.store}`);
const store = await open(values.dir);
settle();
const before = memory();

const collection = 'kb_bench:clustered-384';
await store.ensureCollection({ name: collection, dimensions });
const insertStarted = performance.now();
for (let start = 0; start < count; start += BATCH) {
  const records = [];
  for (let row = start; row < Math.min(count, start + BATCH); row++) {
    records.push({ id: `c${row}`, documentId: `d${Math.floor(row / CHUNKS_PER_DOCUMENT)}`, vector: vectorAt(data, row) });
  }
  await store.upsert(collection, records);
  if ((start / BATCH) % 20 === 19) progress(`${start + BATCH} inserted`);
}
const insertMs = performance.now() - insertStarted;
settle();
const afterInsert = memory();
progress(`inserted ${count} in ${(insertMs / 1000).toFixed(1)} s`);

const rowOf = (id) => Number(id.slice(1));
for (let q = 0; q < WARM_UP; q++) await store.search(collection, { vector: vectorAt(queries, q % queryCount), k });
const queryMs = [];
const found = [];
for (let q = 0; q < queryCount; q++) {
  const started = performance.now();
  const matches = await store.search(collection, { vector: vectorAt(queries, q), k });
  queryMs.push(performance.now() - started);
  found.push(matches.map((match) => rowOf(match.id)));
}
progress(`ran ${queryCount} queries`);

// Filtered to one document of 50 chunks; scored here against an exact search of that document.
const documents = Math.ceil(count / CHUNKS_PER_DOCUMENT);
const pick = seededRandom(7);
const filteredMs = [];
let filteredHits = 0;
let filteredExpected = 0;
for (let q = 0; q < FILTERED_QUERIES; q++) {
  const document = Math.floor(pick() * documents);
  const query = vectorAt(queries, q % queryCount);
  const started = performance.now();
  const matches = await store.search(collection, { vector: query, k, documentIds: [`d${document}`] });
  filteredMs.push(performance.now() - started);
  const first = document * CHUNKS_PER_DOCUMENT;
  const rows = normalizedRows(data.subarray(first * dimensions, Math.min(count, first + CHUNKS_PER_DOCUMENT) * dimensions), dimensions);
  const truth = new Set(exactTopK(rows, dimensions, normalizedRows(query, dimensions), k).map((row) => first + row));
  filteredExpected += truth.size;
  filteredHits += matches.filter((match) => truth.has(rowOf(match.id))).length;
}
const afterQueries = memory();

const closeStarted = performance.now();
await store.close();
const closeMs = performance.now() - closeStarted;

process.stdout.write(`${JSON.stringify({
  store: values.store, count, insertMs, closeMs, queryMs, found, filteredMs,
  filteredRecall: filteredExpected === 0 ? null : filteredHits / filteredExpected,
  memory: { before, afterInsert, afterQueries },
  diskBytes: folderBytes(values.dir),
})}\n`);
