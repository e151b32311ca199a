import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

const CROCKFORD_ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('newId', () => {
  it('is a 26-character Crockford base32 ULID whose first ten characters encode the time', () => {
    const id = newId(Date.UTC(2030, 0, 1));
    expect(id).toMatch(CROCKFORD_ULID);
    expect(id.slice(0, 10)).toBe('01Q3DCBD00');
  });

  it('is strictly increasing within one millisecond', () => {
    // Each case uses a later time than the one before, as the generator never goes back.
    const now = Date.UTC(2031, 0, 1);
    const ids = Array.from({ length: 1_000 }, () => newId(now));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(CROCKFORD_ULID);
  });

  it('keeps increasing across milliseconds and when the clock goes back', () => {
    const now = Date.UTC(2032, 0, 1);
    const ids = [newId(now), newId(now + 1), newId(now - 5_000), newId(now + 2)];
    expect([...ids].sort()).toEqual(ids);
    // A clock that went back borrows the last time rather than sorting before it.
    expect(ids.map((id) => id.slice(0, 10))).toEqual([now, now + 1, now + 1, now + 2].map(timePart));
  });
});

/** The reference encoding of a ULID's time, with BigInt arithmetic. */
function timePart(now: number): string {
  let rest = BigInt(now);
  let text = '';
  for (let index = 0; index < 10; index++, rest /= 32n) text = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Number(rest % 32n)] + text;
  return text;
}
