/**
 * Exact cosine search in plain JavaScript: what a store falls back to for a small filtered
 * set, and what the Qdrant test server and the tests compare against.
 */

export function norm(vector: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  return Math.sqrt(squares);
}

export function normalized(vector: ArrayLike<number>): Float32Array {
  const length = norm(vector);
  const result = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) result[i] = vector[i]! / length;
  return result;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(a, b) / (norm(a) * norm(b));
}

export interface Scored<T> {
  item: T;
  score: number;
}

/** The k highest-scoring items, best first, keeping only k in memory (a min-heap). */
export function topK<T>(items: Iterable<T>, k: number, score: (item: T) => number): Scored<T>[] {
  if (k <= 0) return [];
  const heap: Scored<T>[] = [];
  for (const item of items) {
    const value = score(item);
    if (heap.length < k) {
      heap.push({ item, score: value });
      siftUp(heap, heap.length - 1);
    } else if (value > heap[0]!.score) {
      heap[0] = { item, score: value };
      siftDown(heap, 0);
    }
  }
  return heap.sort((a, b) => b.score - a.score);
}

function siftUp<T>(heap: Scored<T>[], index: number): void {
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (heap[parent]!.score <= heap[index]!.score) return;
    [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
    index = parent;
  }
}

function siftDown<T>(heap: Scored<T>[], index: number): void {
  for (;;) {
    const left = index * 2 + 1;
    const right = left + 1;
    let smallest = index;
    if (left < heap.length && heap[left]!.score < heap[smallest]!.score) smallest = left;
    if (right < heap.length && heap[right]!.score < heap[smallest]!.score) smallest = right;
    if (smallest === index) return;
    [heap[smallest], heap[index]] = [heap[index]!, heap[smallest]!];
    index = smallest;
  }
}

/** A Float32Array's bytes, as SQLite and files take them. */
export function vectorBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** The reverse of `vectorBytes`, copied so the result is aligned whatever the buffer's offset. */
export function bytesVector(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
