/**
 * Retrieval quality on the labelled set in this folder: recall@5 and MRR for any search
 * function. A result is a hit when it comes from the question's document and either holds the
 * whole answer phrase or was cut through it, holding at least half of it at one of its edges
 * (see README.md). Texts are compared case-insensitively, with runs of whitespace as one space
 * and Markdown emphasis and code marks (* _ `) ignored.
 *
 *   const evaluation = await evaluateRetrieval(search);   // search(query, k) → [{ documentName, text }]
 *
 * Run directly (`node bench/retrieval/evaluate.mjs`, after `npm run build`), it prints the
 * figures of the in-memory keyword baseline over the server's own parser and chunker.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RETRIEVAL_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ id: string, question: string, document: string, answer_phrase: string, type?: 'keyword' | 'paraphrase' }} RetrievalQuestion
 * @typedef {{ documentName?: string, document_name?: string, text: string }} RetrievalResult
 * @typedef {(query: string, k: number) => Promise<RetrievalResult[]> | RetrievalResult[]} RetrievalSearch
 */

/** The corpus (`corpus/*.md`, name, path and text) and the questions (`questions.jsonl`). */
export async function loadRetrievalSet(directory = RETRIEVAL_DIRECTORY) {
  const corpus = path.join(directory, 'corpus');
  const names = (await readdir(corpus)).filter((name) => name.endsWith('.md')).sort();
  const documents = await Promise.all(
    names.map(async (name) => ({ name, path: path.join(corpus, name), text: await readFile(path.join(corpus, name), 'utf8') })),
  );
  const lines = (await readFile(path.join(directory, 'questions.jsonl'), 'utf8')).split('\n').filter((line) => line.trim() !== '');
  /** @type {RetrievalQuestion[]} */
  const questions = lines.map((line) => JSON.parse(line));
  return { documents, questions };
}

/** Lower case, NFKC, straight quotes, no Markdown emphasis or code marks, single spaces. */
export function normalizeText(text) {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `corpus/Recipes.md`, `recipes.md` and `recipes` name the same document. */
export function sameDocument(resultName, questionDocument) {
  const base = (name) => path.basename(String(name)).replace(/\.[a-z0-9]+$/i, '').toLowerCase();
  return base(resultName) === base(questionDocument);
}

/**
 * How much of the answer phrase the text holds, from 0 to 1: 1 when it holds all of it;
 * otherwise the longest part of it that sits at one of the text's edges (the phrase's start
 * ending the text, its end starting the text) or that is the whole text, as a fraction.
 */
export function answerCoverage(text, answerPhrase) {
  const haystack = normalizeText(text);
  const phrase = normalizeText(answerPhrase);
  if (phrase === '') return 0;
  if (haystack.includes(phrase)) return 1;
  let best = haystack !== '' && phrase.includes(haystack) ? haystack.length : 0;
  for (let length = phrase.length - 1; length > best; length--) {
    if (haystack.endsWith(phrase.slice(0, length)) || haystack.startsWith(phrase.slice(phrase.length - length))) {
      best = length;
      break;
    }
  }
  return best / phrase.length;
}

/** @param {RetrievalResult} result @param {RetrievalQuestion} question */
export function isHit(result, question) {
  const name = result.documentName ?? result.document_name ?? '';
  return sameDocument(name, question.document) && answerCoverage(result.text ?? '', question.answer_phrase) >= 0.5;
}

/**
 * Asks `search` every question for `k` results and scores the ranks of the first hits.
 * @param {RetrievalSearch} search
 * @param {{ questions?: RetrievalQuestion[], k?: number, concurrency?: number }} [options]
 */
export async function evaluateRetrieval(search, { questions, k = 10, concurrency = 4 } = {}) {
  const asked = questions ?? (await loadRetrievalSet()).questions;
  if (asked.length === 0) throw new Error('No questions to evaluate.');
  /** @type {Array<{ question: RetrievalQuestion, rank: number | null, top: string[] }>} */
  const outcomes = new Array(asked.length);
  let next = 0;
  const worker = async () => {
    while (next < asked.length) {
      const index = next++;
      const question = asked[index];
      const results = (await search(question.question, k)).slice(0, k);
      const hit = results.findIndex((result) => isHit(result, question));
      outcomes[index] = { question, rank: hit === -1 ? null : hit + 1, top: results.map((result) => result.documentName ?? result.document_name ?? '') };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, asked.length)) }, worker));

  const score = (subset) => ({
    questions: subset.length,
    recallAt1: ratio(subset, (outcome) => outcome.rank !== null && outcome.rank <= 1),
    recallAt5: ratio(subset, (outcome) => outcome.rank !== null && outcome.rank <= 5),
    recallAtK: ratio(subset, (outcome) => outcome.rank !== null),
    mrr: subset.reduce((total, outcome) => total + (outcome.rank === null ? 0 : 1 / outcome.rank), 0) / subset.length,
  });
  const byType = {};
  for (const type of [...new Set(outcomes.map((outcome) => outcome.question.type ?? 'untyped'))].sort()) {
    byType[type] = score(outcomes.filter((outcome) => (outcome.question.type ?? 'untyped') === type));
  }
  return {
    k,
    ...score(outcomes),
    byType,
    ranks: outcomes.map((outcome) => ({ id: outcome.question.id, rank: outcome.rank })),
    /** Questions with no hit in the top 5, with the documents that came back instead. */
    misses: outcomes
      .filter((outcome) => outcome.rank === null || outcome.rank > 5)
      .map(({ question, rank, top }) => ({ id: question.id, question: question.question, document: question.document, answerPhrase: question.answer_phrase, rank, top: top.slice(0, 5) })),
  };
}

function ratio(items, predicate) {
  return items.length === 0 ? 0 : items.filter(predicate).length / items.length;
}

/**
 * The evaluation as benchmark figures (see bench/report.mjs): recall@5 and MRR, overall and
 * per question type, naming the search mode and the embedding model.
 * @param {{ figure: (line: object) => void }} report
 */
export function reportRetrieval(report, evaluation, { mode, model = null, chunking = null } = {}) {
  const details = { mode, embedding_model: model, questions: evaluation.questions, k: evaluation.k, ...(chunking ? { chunking } : {}) };
  report.figure({ bench: 'retrieval', figure: 'recall_at_5', value: evaluation.recallAt5, unit: 'ratio', details });
  report.figure({ bench: 'retrieval', figure: 'mrr', value: evaluation.mrr, unit: 'ratio', details });
  for (const [type, scores] of Object.entries(evaluation.byType)) {
    report.figure({ bench: 'retrieval', figure: `recall_at_5_${type}`, value: scores.recallAt5, unit: 'ratio', details: { ...details, questions: scores.questions } });
    report.figure({ bench: 'retrieval', figure: `mrr_${type}`, value: scores.mrr, unit: 'ratio', details: { ...details, questions: scores.questions } });
  }
}

/** The corpus parsed and chunked by the built server, as passages for a search to index. */
export async function chunkCorpus(chunking = { maxChars: 1200, overlapChars: 150 }, directory = RETRIEVAL_DIRECTORY) {
  const ingestion = path.resolve(directory, '../../packages/server/dist/knowledge/ingestion');
  const { parseDocument } = await import(pathToFileURL(path.join(ingestion, 'parse-document.js')).href);
  const { chunkDocument } = await import(pathToFileURL(path.join(ingestion, 'chunk-document.js')).href);
  const { documents } = await loadRetrievalSet(directory);
  const passages = [];
  for (const document of documents) {
    const parsed = await parseDocument({ bytes: new TextEncoder().encode(document.text), filename: document.name, contentType: 'text/markdown' });
    for (const chunk of chunkDocument(parsed, chunking)) passages.push({ documentName: document.name, text: chunk.text, headingPath: chunk.headingPath });
  }
  return passages;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { createKeywordSearch } = await import('./keyword-search.mjs');
  const { createReport } = await import('../report.mjs');
  const chunking = { maxChars: 1200, overlapChars: 150 };
  const passages = await chunkCorpus(chunking).catch((error) => {
    process.stderr.write(`The server is not built (${error.message}); run npm run build first.\n`);
    process.exit(2);
  });
  const evaluation = await evaluateRetrieval(createKeywordSearch(passages));
  reportRetrieval(createReport(), evaluation, { mode: 'keyword-baseline', chunking });
  if (process.argv.includes('--misses')) for (const miss of evaluation.misses) process.stderr.write(`${JSON.stringify(miss)}\n`);
}
