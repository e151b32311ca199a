/**
 * The embedded vector stores compared on one workload, to choose the default: 100,000 chunks
 * of 384 dimensions (BENCH_VECTORS for another size), random but clustered (1,000 gaussian
 * clusters, see vectors/clustered-vectors.mjs), top-10 queries by cosine similarity.
 *
 * The baseline is an exact brute-force search in plain JavaScript, run here over the same
 * vectors: it gives the true top 10 of every query (recall@10 of each store is measured
 * against it) and the latency of not having an index at all. Each store runs in a process of
 * its own (vectors/vector-store-worker.mjs), so its memory figures are its own.
 *
 * Alone: node bench/vector-store-bench.mjs (after `npx tsc -b packages/cli`); in the suite:
 * node bench/run.mjs --only vectors.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTemporaryFolders, runJsonProcess, temporaryFolder } from './processes.mjs';
import { createReport } from './report.mjs';
import { median, percentile, round } from './statistics.mjs';
import { clusteredVectors, exactTopK, normalizedRows } from './vectors/clustered-vectors.mjs';

const workerPath = fileURLToPath(new URL('./vectors/vector-store-worker.mjs', import.meta.url));
export const EMBEDDED_CANDIDATES = ['usearch', 'lancedb', 'sqlite-vec'];
const TARGET_P95_MS = 10;
const TARGET_RECALL = 0.95;

/**
 * BENCH_VECTORS, BENCH_VECTOR_QUERIES and BENCH_VECTOR_STORES (comma-separated) change the
 * size and the stores; `quick` (run.mjs --quick) means 20,000 vectors and 200 queries.
 */
export async function runVectorStoreBench({
  report, log, quick = false,
  vectors = Number(process.env.BENCH_VECTORS ?? (quick ? 20_000 : 100_000)),
  queries = Number(process.env.BENCH_VECTOR_QUERIES ?? (quick ? 200 : 500)),
  dimensions = 384, clusters = 1_000, k = 10,
  stores = (process.env.BENCH_VECTOR_STORES ?? EMBEDDED_CANDIDATES.join(',')).split(','),
}) {
  log(`vector stores: ${vectors} vectors of ${dimensions} dimensions in ${clusters} clusters, ${queries} top-${k} queries; ${stores.join(', ')}`);
  const drawn = clusteredVectors({ count: vectors, queries, dimensions, clusters });
  const unitData = normalizedRows(drawn.data, dimensions);
  const unitQueries = normalizedRows(drawn.queries, dimensions);
  const truth = [];
  const exactMs = [];
  for (let q = 0; q < queries; q++) {
    const started = performance.now();
    truth.push(exactTopK(unitData, dimensions, unitQueries.subarray(q * dimensions, (q + 1) * dimensions), k));
    exactMs.push(performance.now() - started);
  }
  const exactP50 = median(exactMs);
  const exactP95 = percentile(exactMs, 0.95);
  log(`  exact brute force (baseline): p50 ${exactP50.toFixed(1)} ms, p95 ${exactP95.toFixed(1)} ms per query`);
  report.figure({ bench: 'vector-store', figure: 'exact_query_ms_p50', value: exactP50, unit: 'ms', details: { store: 'exact-js', vectors, dimensions, queries } });

  const results = [];
  for (const store of stores) {
    const dir = path.join(temporaryFolder(`vectors-${store}`), 'vectors');
    const started = performance.now();
    const run = await runJsonProcess(`vector-store-worker ${store}`, [
      '--expose-gc', workerPath, '--store', store, '--dir', dir, '--vectors', String(vectors), '--queries', String(queries),
      '--dimensions', String(dimensions), '--clusters', String(clusters), '--k', String(k),
    ]);
    const recall = run.found.reduce((sum, ids, q) => sum + ids.filter((id) => truth[q].includes(id)).length / truth[q].length, 0) / queries;
    const figures = {
      store,
      insertPerSecond: vectors / (run.insertMs / 1000),
      p50: median(run.queryMs),
      p95: percentile(run.queryMs, 0.95),
      recall,
      filteredP50: median(run.filteredMs),
      filteredRecall: run.filteredRecall,
      rssDeltaMb: run.memory.afterQueries.rssMb - run.memory.before.rssMb,
      peakMb: run.memory.afterQueries.peakMb,
      diskMb: run.diskBytes / 1024 / 1024,
      closeMs: run.closeMs,
    };
    results.push(figures);
    log(`  ${store}: insert ${Math.round(figures.insertPerSecond)}/s, p50 ${figures.p50.toFixed(2)} ms, p95 ${figures.p95.toFixed(2)} ms, recall@${k} ${figures.recall.toFixed(3)}, RSS +${figures.rssDeltaMb.toFixed(0)} MB, disk ${figures.diskMb.toFixed(0)} MB (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    const common = { store, vectors, dimensions };
    report.figure({ bench: 'vector-store', figure: 'insert_per_s', value: figures.insertPerSecond, unit: 'vectors/s', details: { ...common, insert_ms: Math.round(run.insertMs) } });
    report.figure({ bench: 'vector-store', figure: 'query_ms_p50', value: figures.p50, unit: 'ms', baseline: exactP50, details: { ...common, queries } });
    report.figure({ bench: 'vector-store', figure: 'query_ms_p95', value: figures.p95, unit: 'ms', baseline: exactP95, target: ['<', TARGET_P95_MS], details: { ...common, queries } });
    report.figure({ bench: 'vector-store', figure: `recall_at_${k}`, value: figures.recall, unit: 'ratio', baseline: 1, target: ['>=', TARGET_RECALL], details: { ...common, queries } });
    report.figure({ bench: 'vector-store', figure: 'filtered_query_ms_p50', value: figures.filteredP50, unit: 'ms', details: { ...common, filter: 'one document of 50 chunks', recall: round(figures.filteredRecall ?? Number.NaN, 3) } });
    report.figure({ bench: 'vector-store', figure: 'rss_delta_mb', value: figures.rssDeltaMb, unit: 'MB', details: { ...common, peak_rss_mb: round(figures.peakMb, 1), after_insert_mb: round(run.memory.afterInsert.rssMb - run.memory.before.rssMb, 1) } });
    report.figure({ bench: 'vector-store', figure: 'disk_mb', value: figures.diskMb, unit: 'MB', details: { ...common, close_ms: Math.round(run.closeMs) } });
  }

  // The default: of the stores meeting both targets, the fastest at p95; else the best recall.
  const meeting = results.filter((result) => result.p95 < TARGET_P95_MS && result.recall >= TARGET_RECALL);
  const chosen = (meeting.length > 0 ? meeting.sort((a, b) => a.p95 - b.p95) : [...results].sort((a, b) => b.recall - a.recall))[0];
  if (chosen) {
    report.figure({
      bench: 'vector-store', figure: 'embedded_choice', value: chosen.store, unit: 'store',
      details: { rule: `meets p95 < ${TARGET_P95_MS} ms and recall@${k} >= ${TARGET_RECALL}, then lowest p95`, meeting: meeting.map((result) => result.store) },
    });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = createReport();
  try {
    await runVectorStoreBench({ report, log: (message) => process.stderr.write(`[bench] ${message}\n`) });
  } finally {
    removeTemporaryFolders();
  }
  report.summary();
}
