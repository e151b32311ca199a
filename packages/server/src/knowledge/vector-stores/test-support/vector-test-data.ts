/** Reproducible vectors for the conformance suite: a seeded generator and an exact reference search. */
import type { VectorMatch, VectorRecord } from '../vector-store.js';
import { cosineSimilarity, topK } from '../vector-math.js';
import { seededRandom } from '../../../test-support/seeded-random.mjs';

export { seededRandom };

export function randomVector(random: () => number, dimensions: number): number[] {
  return Array.from({ length: dimensions }, () => random() * 2 - 1);
}

export function randomRecords(seed: number, count: number, dimensions: number, documentOf: (index: number) => string = (i) => `doc-${i % 7}`): VectorRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({ id: `chunk-${i}`, documentId: documentOf(i), vector: randomVector(random, dimensions) }));
}

/** The exact answer a store's search should give. */
export function exactSearch(records: readonly VectorRecord[], query: ArrayLike<number>, k: number, documentIds?: readonly string[]): VectorMatch[] {
  const allowed = documentIds ? new Set(documentIds) : undefined;
  const candidates = allowed ? records.filter((record) => allowed.has(record.documentId)) : records;
  return topK(candidates, k, (record) => cosineSimilarity(record.vector, query)).map(({ item, score }) => ({ id: item.id, documentId: item.documentId, score }));
}

/** A vector pointing the same way as `vector`, scaled: stores compare directions. */
export function scaled(vector: readonly number[], factor: number): number[] {
  return vector.map((value) => value * factor);
}

export function unit(dimensions: number, axis: number, sign = 1): number[] {
  return Array.from({ length: dimensions }, (_, i) => (i === axis ? sign : 0));
}
