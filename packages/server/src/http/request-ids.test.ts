import { describe, expect, it } from 'vitest';
import { createRequestIds } from './request-ids.js';

const CROCKFORD_26 = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('request ids', () => {
  it('are 26 Crockford base32 characters, unique and in the order they were made', () => {
    const next = createRequestIds();
    const ids = Array.from({ length: 5_000 }, () => next());
    for (const id of ids) expect(id).toMatch(CROCKFORD_26);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('do not repeat across generators (processes)', () => {
    const first = createRequestIds();
    const second = createRequestIds();
    expect(first()).not.toBe(second());
  });
});
