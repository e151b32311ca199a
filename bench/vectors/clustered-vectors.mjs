/**
 * The benchmark's vectors: random but clustered, as embeddings of real text are. Each vector
 * is one of `clusters` gaussian cluster centres (unit length) plus gaussian noise of length
 * about `spread`, so two chunks of one cluster have a cosine similarity near 1 / (1 + spread²)
 * and chunks of different clusters near 0. Queries come from the same distribution and are
 * not in the data. Seeded: every run and every process draws the same numbers.
 */

import { seededRandom } from '../../packages/server/src/test-support/seeded-random.mjs';

export { seededRandom };

/** Standard normal numbers (Box–Muller). */
function gaussian(random) {
  let spare;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/** `count` vectors of `dimensions` as one flat Float32Array (row-major), and each one's cluster. */
export function clusteredVectors({ count, queries, dimensions, clusters, spread = 0.7, seed = 384 }) {
  const normal = gaussian(seededRandom(seed));
  const centres = new Float32Array(clusters * dimensions);
  for (let c = 0; c < clusters; c++) {
    let squares = 0;
    for (let d = 0; d < dimensions; d++) {
      const value = normal();
      centres[c * dimensions + d] = value;
      squares += value * value;
    }
    const length = Math.sqrt(squares);
    for (let d = 0; d < dimensions; d++) centres[c * dimensions + d] /= length;
  }
  const pick = seededRandom(seed + 1);
  const noise = spread / Math.sqrt(dimensions);
  const draw = (total) => {
    const data = new Float32Array(total * dimensions);
    for (let i = 0; i < total; i++) {
      const cluster = Math.floor(pick() * clusters);
      for (let d = 0; d < dimensions; d++) data[i * dimensions + d] = centres[cluster * dimensions + d] + normal() * noise;
    }
    return data;
  };
  return { data: draw(count), queries: draw(queries) };
}

/** Unit-length copies, so cosine similarity is a dot product. */
export function normalizedRows(flat, dimensions) {
  const result = new Float32Array(flat.length);
  for (let offset = 0; offset < flat.length; offset += dimensions) {
    let squares = 0;
    for (let d = 0; d < dimensions; d++) squares += flat[offset + d] * flat[offset + d];
    const length = Math.sqrt(squares);
    for (let d = 0; d < dimensions; d++) result[offset + d] = flat[offset + d] / length;
  }
  return result;
}

/**
 * Exact top-k by cosine similarity, brute force over every row: the baseline every store's
 * answers are scored against. `rows` and `query` must be unit length (normalizedRows).
 */
export function exactTopK(rows, dimensions, query, k, rowFilter) {
  const count = rows.length / dimensions;
  const bestIndex = new Int32Array(k).fill(-1);
  const bestScore = new Float64Array(k).fill(-Infinity);
  for (let row = 0; row < count; row++) {
    if (rowFilter && !rowFilter(row)) continue;
    const offset = row * dimensions;
    let score = 0;
    for (let d = 0; d < dimensions; d++) score += rows[offset + d] * query[d];
    if (score <= bestScore[k - 1]) continue;
    let position = k - 1;
    while (position > 0 && bestScore[position - 1] < score) {
      bestScore[position] = bestScore[position - 1];
      bestIndex[position] = bestIndex[position - 1];
      position--;
    }
    bestScore[position] = score;
    bestIndex[position] = row;
  }
  return Array.from(bestIndex).filter((index) => index >= 0);
}
