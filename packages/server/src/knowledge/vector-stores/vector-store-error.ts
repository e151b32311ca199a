/**
 * The errors every vector store throws. The codes are the store's own; the knowledge service
 * maps them to the platform's error catalogue (a dimension mismatch is the caller's mistake,
 * an unavailable store is retryable).
 */

export type VectorStoreErrorCode =
  /** A collection exists with other dimensions, or a vector has the wrong length. */
  | 'VECTOR_DIMENSIONS_MISMATCH'
  /** A vector with NaN, Infinity or zero length; an empty collection name; a bad `k`. */
  | 'VECTOR_INVALID'
  /** An upsert into a collection that was never created. */
  | 'VECTOR_COLLECTION_NOT_FOUND'
  /** The store does not answer, or lacks what it needs (the pgvector extension); retryable. */
  | 'VECTOR_STORE_UNAVAILABLE'
  /** The store answered with an error. */
  | 'VECTOR_STORE_FAILED';

const retryableCodes: ReadonlySet<VectorStoreErrorCode> = new Set(['VECTOR_STORE_UNAVAILABLE']);

export class VectorStoreError extends Error {
  readonly code: VectorStoreErrorCode;
  readonly retryable: boolean;
  /** What to do about it, in words an administrator can act on. */
  readonly hint: string | undefined;

  constructor(code: VectorStoreErrorCode, message: string, options: { hint?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'VectorStoreError';
    this.code = code;
    this.retryable = options.retryable ?? retryableCodes.has(code);
    this.hint = options.hint;
  }
}

export function dimensionsMismatch(collection: string, expected: number, actual: number, what: string): VectorStoreError {
  return new VectorStoreError(
    'VECTOR_DIMENSIONS_MISMATCH',
    `${what} has ${actual} dimensions, but the collection "${collection}" holds vectors of ${expected}.`,
    { hint: 'Vectors of one embedding model go into one collection; a model with other dimensions needs its own collection (re-index).' },
  );
}

export function collectionNotFound(collection: string): VectorStoreError {
  return new VectorStoreError('VECTOR_COLLECTION_NOT_FOUND', `The vector collection "${collection}" does not exist.`, {
    hint: 'Create it with ensureCollection({ name, dimensions }) before the first upsert.',
  });
}
