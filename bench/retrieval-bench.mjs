/**
 * Retrieval quality: the labelled set in bench/retrieval (20 documents, 233 questions) indexed
 * by the real knowledge service (the built server: parsing, chunking, full-text index,
 * embeddings, vector store), then searched in each mode. recall@5 and MRR per mode, naming the
 * embedding model; the full-text figures are the baseline the hybrid ones are held to.
 *
 * The embedding model is BENCH_EMBEDDING_MODEL (e.g. `ollama/nomic-embed-text` with
 * BENCH_OLLAMA_BASE_URL), else the tiny test model through the embedded engine, whose vectors
 * carry little meaning: on this machine the full-text figures are the meaningful ones.
 */
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repositoryRoot, temporaryFolder } from './processes.mjs';
import { evaluateRetrieval, loadRetrievalSet, reportRetrieval } from './retrieval/evaluate.mjs';

const serverDist = path.join(repositoryRoot, 'packages/server/dist');
const load = (file) => import(pathToFileURL(path.join(serverDist, file)).href);

export async function runRetrievalBench({ report, log, quick = false }) {
  const { loadConfig } = await load('config/load.js');
  const { createPlatform, LOCAL_OWNER_ID } = await load('platform.js');
  const modelPath = path.resolve(repositoryRoot, process.env.SUTAZAI_TEST_MODEL ?? '../shared/models/stories260K.gguf');
  const modelName = path.basename(modelPath).replace(/\.gguf$/i, '');
  const dir = temporaryFolder('sutazai-retrieval-');
  const modelsDir = path.join(dir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  if (existsSync(modelPath)) symlinkSync(modelPath, path.join(modelsDir, path.basename(modelPath)));
  const embeddingModel = process.env.BENCH_EMBEDDING_MODEL ?? `llama-cpp/${modelName}`;
  const config = loadConfig({
    cwd: dir,
    env: {
      DATA_DIR: path.join(dir, 'data'), MODELS_DIR: modelsDir, AUTH: 'disabled', LOG_LEVEL: 'silent', LLAMA_THREADS: '1',
      EMBEDDING_MODEL: embeddingModel, OLLAMA_BASE_URL: process.env.BENCH_OLLAMA_BASE_URL ?? 'http://127.0.0.1:9',
      ...(process.env.BENCH_OPENAI_BASE_URL ? { OPENAI_BASE_URL: process.env.BENCH_OPENAI_BASE_URL } : {}),
    },
  });
  const silent = { error() {}, warn() {}, info() {}, debug() {}, child() { return silent; } };
  const platform = await createPlatform(config, silent);
  try {
    await platform.start();
    const { knowledge } = platform;
    const { documents, questions } = await loadRetrievalSet();
    const asked = quick ? questions.slice(0, 40) : questions;
    const base = await knowledge.createBase(LOCAL_OWNER_ID, { name: 'retrieval set' });
    const started = performance.now();
    const added = [];
    for (const document of documents) {
      added.push(await knowledge.addUpload(LOCAL_OWNER_ID, base.id, { name: document.name, contentType: 'text/markdown', bytes: new TextEncoder().encode(document.text) }));
    }
    for (;;) {
      const states = await knowledge.listDocuments(LOCAL_OWNER_ID, base.id);
      const failed = states.find((d) => d.status === 'failed');
      if (failed) throw new Error(`${failed.name} failed to index: ${failed.error_code} ${failed.error_message}`);
      if (states.every((d) => d.status === 'indexed')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const indexed = await knowledge.getBase(LOCAL_OWNER_ID, base.id);
    const seconds = (performance.now() - started) / 1000;
    log(`retrieval: ${added.length} documents, ${indexed.chunk_count} chunks indexed in ${seconds.toFixed(1)} s with ${indexed.embedding_model ?? 'no embedding model'}`);
    report.figure({ bench: 'retrieval', figure: 'index_seconds', value: Math.round(seconds * 10) / 10, unit: 's', details: { documents: added.length, chunks: indexed.chunk_count, embedding_model: indexed.embedding_model } });

    const results = {};
    for (const mode of ['fulltext', 'vector', 'hybrid']) {
      const search = async (query, k) => (await knowledge.search(LOCAL_OWNER_ID, [base.id], { query, k, mode })).results.map((r) => ({ documentName: r.document_name, text: r.text }));
      results[mode] = await evaluateRetrieval(search, { questions: asked, k: 10, concurrency: 2 });
      reportRetrieval(report, results[mode], { mode, model: mode === 'fulltext' ? null : indexed.embedding_model });
    }
    // Fusion must never make full-text worse with a weak embedder: hybrid against full-text in the same run.
    report.figure({
      bench: 'retrieval', figure: 'hybrid_over_fulltext_recall_at_5', value: round(results.hybrid.recallAt5 / results.fulltext.recallAt5), unit: 'ratio',
      baseline: 'fulltext', target: ['>=', 1], details: { embedding_model: indexed.embedding_model, questions: asked.length },
    });
    report.figure({
      bench: 'retrieval', figure: 'hybrid_over_fulltext_mrr', value: round(results.hybrid.mrr / results.fulltext.mrr), unit: 'ratio',
      baseline: 'fulltext', target: ['>=', 1], details: { embedding_model: indexed.embedding_model, questions: asked.length },
    });
  } finally {
    await platform.close();
  }
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}
