/**
 * Hybrid ranking: reciprocal rank fusion of the full-text and the vector ranking.
 *
 * A weak embedder (the tiny test model, a mismatched one) must not drag good full-text results
 * down, so the vector ranking's weight is the agreement of the two rankings: the share of the
 * full-text top results the vector search also found, scaled so a good embedder (which shares
 * a fair part of them) gets full weight and a random one about none. When full-text finds
 * nothing (no shared words: a paraphrase), the vector ranking stands alone.
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
/** Agreement at which the vector ranking gets its full weight. */
const FULL_WEIGHT_AGREEMENT = 0.25;

export function vectorWeight(fulltext: readonly RankedId[], vector: readonly RankedId[]): number {
  if (fulltext.length === 0) return 1;
  if (vector.length === 0) return 0;
  const top = fulltext.slice(0, AGREEMENT_DEPTH);
  const found = new Set(vector.slice(0, AGREEMENT_DEPTH).map((hit) => hit.id));
  const agreement = top.filter((hit) => found.has(hit.id)).length / top.length;
  return Math.min(1, agreement / FULL_WEIGHT_AGREEMENT);
}

export function fuse(fulltext: readonly RankedId[], vector: readonly RankedId[], k: number): { hits: FusedHit[]; vectorWeight: number } {
  const weight = vectorWeight(fulltext, vector);
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
  return { hits: ranked.slice(0, k), vectorWeight: weight };
}

const STOP_WORDS = new Set('a an and are as at be but by for from has have how i in is it its of on or that the this to was what when where which who why will with you your do does did can could should would'.split(' '));

/** The words of a query worth searching for, lower-cased, stop words dropped (all kept if that leaves none). */
export function searchTerms(query: string): string[] {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 32);
  const meaningful = words.filter((word) => !STOP_WORDS.has(word));
  return meaningful.length > 0 ? meaningful : words;
}
