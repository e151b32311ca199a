/** Types of seeded-random.mjs, for TypeScript callers such as the tests. */
export declare function seededRandom(seed: number): () => number;
