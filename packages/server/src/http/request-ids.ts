import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID

/**
 * Request ids for requests that bring none: 26 Crockford base32 characters, the shape of a
 * ULID. The first 16 are fixed per generator (the start time, as a ULID's first 10, and 30
 * random bits), the last 10 count the requests, so an id costs an increment rather than a
 * clock read and random bytes, and one process's ids sort in arrival order.
 */
export function createRequestIds(): () => string {
  const prefix = base32(Date.now(), 10) + base32(randomInt(2 ** 30), 6);
  let count = 0;
  return () => prefix + base32(++count, 10);
}

function base32(value: number, digits: number): string {
  let text = '';
  for (let rest = value, i = 0; i < digits; i++, rest = Math.floor(rest / 32)) text = ALPHABET[rest % 32]! + text;
  return text;
}
