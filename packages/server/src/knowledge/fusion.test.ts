import { describe, expect, it } from 'vitest';
import { fuse, searchTerms, vectorWeight } from './fusion.js';

const ranking = (ids: string[]) => ids.map((id, i) => ({ id, score: 1 - i / 100 }));
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('hybrid rank fusion', () => {
  it('gives a vector ranking that agrees with full-text beyond chance full weight', () => {
    const fulltext = ranking(ids('c', 20));
    const vector = ranking([...ids('c', 16), ...ids('v', 4)]);
    expect(vectorWeight(fulltext, vector, 1000)).toBe(1);
  });

  it('gives a vector ranking that agrees only by chance no weight, so hybrid equals full-text', () => {
    const fulltext = ranking(ids('c', 20));
    const vector = ranking([...ids('c', 2), ...ids('v', 18)]);
    expect(vectorWeight(fulltext, vector, 200)).toBe(0);
    const { hits } = fuse(fulltext, vector, 10, 200);
    expect(hits.map((h) => h.id)).toEqual(ids('c', 10));
  });

  it('corrects for chance: in a tiny collection, sharing much is expected', () => {
    const fulltext = ranking(ids('c', 10));
    const vector = ranking(ids('c', 10).reverse());
    expect(vectorWeight(fulltext, vector, 10)).toBe(0);
  });

  it('never lets a partly trusted vector ranking displace the full-text leader', () => {
    // 12 of the full-text top 20 shared among 100 passages: some weight, not full; by score
    // alone c8 (found by both) would lead.
    const fulltext = ranking(ids('c', 20));
    const vector = ranking(['v0', ...ids('c', 20).slice(8), ...ids('v', 8).slice(1)]);
    const { hits, vectorWeight: weight } = fuse(fulltext, vector, 5, 100);
    expect(weight).toBeGreaterThan(0);
    expect(weight).toBeLessThan(1);
    expect(hits[0]!.id).toBe('c0');
  });

  it('lets the vector ranking stand alone when full-text finds nothing', () => {
    const { hits, vectorWeight: weight } = fuse([], ranking(['a', 'b']), 5, 100);
    expect(weight).toBe(1);
    expect(hits.map((h) => h.id)).toEqual(['a', 'b']);
    expect(hits[0]).toMatchObject({ fulltext: undefined, vector: { rank: 1 } });
  });

  it('puts a passage found by both methods above those found by one', () => {
    const fulltext = ranking(['x', ...ids('c', 19)]);
    const vector = ranking([...ids('c', 18), 'y', 'x']);
    const { hits } = fuse(fulltext, vector, 3, 10_000);
    expect(hits[0]).toMatchObject({ id: 'c0', fulltext: { rank: 2 }, vector: { rank: 1 } });
    expect(hits.map((h) => h.id)).not.toContain('x'); // first by full-text alone, last by vectors
  });

  it('turns a query into the words worth searching for', () => {
    expect(searchTerms('What is the price of an adult ticket?')).toEqual(['price', 'adult', 'ticket']);
    expect(searchTerms('the')).toEqual(['the']);
    expect(searchTerms('"OR" NEAR( *')).toEqual(['near']);
  });
});
