/**
 * Hybrid ranking: reciprocal rank fusion of the full-text and the vector ranking.
 *
 * A weak embedder (the tiny test model, a mismatched one) must not drag good full-text results
 * down, so the vector ranking's weight is the agreement of the two rankings beyond chance: the
 * share of the full-text top results the vector search also found, less what a random ranking
 * would share. A random embedder gets no weight, and the hybrid ranking is the full-text one;
 * a good one, which shares a fair part of them, counts fully. When full-text finds nothing (no
 * shared words: a paraphrase), the vector ranking stands alone.
 */

export interface RankedId {
  id: string;
  score: number;
}

export interface FusedHit {
  id: string;
  score: number;
  fulltext: { score: number; rank: number } | undefined;
  vector: { score: number; rank: number } | undefined;
}

export const RRF_K = 60;
const AGREEMENT_DEPTH = 20;
/** Chance-corrected agreement below which the vector ranking counts for nothing... */
const NO_WEIGHT_BELOW = 0.35;
/** Fewer shared passages than this is no evidence at all (a short full-text list). */
const MIN_SHARED = 3;
/** ...and above which it counts fully. */
const FULL_WEIGHT_AT = 0.7;

/**
 * How much the vector ranking counts, from its agreement with the full-text one beyond chance:
 * with N passages searched, a random ranking shares about depth/N of the full-text top results.
 */
export function vectorWeight(fulltext: readonly RankedId[], vector: readonly RankedId[], population = Infinity): number {
  if (fulltext.length === 0) return 1;
  if (vector.length === 0) return 0;
  const top = fulltext.slice(0, AGREEMENT_DEPTH);
  const compared = vector.slice(0, AGREEMENT_DEPTH);
  const found = new Set(compared.map((hit) => hit.id));
  const shared = top.filter((hit) => found.has(hit.id)).length;
  if (shared < MIN_SHARED) return 0;
  const observed = shared / top.length;
  const expected = Math.min(1, compared.length / Math.max(population, compared.length));
  const excess = expected >= 1 ? 0 : (observed - expected) / (1 - expected);
  if (excess <= NO_WEIGHT_BELOW) return 0;
  return Math.min(1, (excess - NO_WEIGHT_BELOW) / (FULL_WEIGHT_AT - NO_WEIGHT_BELOW));
}

export function fuse(fulltext: readonly RankedId[], vector: readonly RankedId[], k: number, population = Infinity): { hits: FusedHit[]; vectorWeight: number } {
  const weight = vectorWeight(fulltext, vector, population);
  const hits = new Map<string, FusedHit>();
  const entry = (id: string) => {
    let hit = hits.get(id);
    if (!hit) hits.set(id, (hit = { id, score: 0, fulltext: undefined, vector: undefined }));
    return hit;
  };
  fulltext.forEach((hit, index) => {
    const fused = entry(hit.id);
    fused.fulltext = { score: hit.score, rank: index + 1 };
    fused.score += 1 / (RRF_K + index + 1);
  });
  vector.forEach((hit, index) => {
    const fused = entry(hit.id);
    fused.vector = { score: hit.score, rank: index + 1 };
    fused.score += weight / (RRF_K + index + 1);
  });
  const ranked = [...hits.values()]
    .filter((hit) => hit.fulltext || weight > 0)
    .sort((a, b) => b.score - a.score || (a.fulltext?.rank ?? Infinity) - (b.fulltext?.rank ?? Infinity) || a.id.localeCompare(b.id));
  // A vector ranking that is only partly trusted may reorder and add below the full-text
  // leader, never displace it.
  const leader = fulltext[0];
  if (weight < 1 && leader && ranked[0]?.id !== leader.id) {
    const index = ranked.findIndex((hit) => hit.id === leader.id);
    ranked.unshift(...ranked.splice(index, 1));
  }
  return { hits: ranked.slice(0, k), vectorWeight: weight };
}

const STOP_WORDS = new Set('a an and are as at be but by for from has have how i in is it its of on or that the this to was what when where which who why will with you your do does did can could should would'.split(' '));

/** The words of a query worth searching for, lower-cased, stop words dropped (all kept if that leaves none). */
export function searchTerms(query: string): string[] {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 32);
  const meaningful = words.filter((word) => !STOP_WORDS.has(word));
  return meaningful.length > 0 ? meaningful : words;
}
