/**
 * mulberry32: a small, fast seeded generator giving the same sequence on every machine, so a
 * failing case can be replayed from its seed. Plain JavaScript so both the tests and the
 * benchmarks (`bench/`, run by plain node) can import it; types in seeded-random.d.mts.
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
