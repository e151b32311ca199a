import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID
let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);
// Random bytes are drawn for a hundred ids at a time: one call into OpenSSL per id was a
// noticeable part of a request's cost.
const pool = new Uint8Array(1000);
let poolOffset = pool.length;

function freshRandom(): Uint8Array {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 10;
  return pool.slice(poolOffset - 10, poolOffset);
}

/**
 * A ULID: 48-bit time + 80-bit randomness, monotonic within a process, so ids sort in the
 * order they were made (messages are ordered by them when two share a millisecond).
 */
export function newId(now = Date.now()): string {
  if (now <= lastTime) {
    now = lastTime;
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  let time = '';
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32]! + time;
  let random = '';
  let bits = 0;
  let value = 0;
  for (const byte of lastRandom) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += ALPHABET[(value >> bits) & 31];
    }
  }
  return time + random;
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === 255) bytes[i] = 0;
    else {
      bytes[i]! += 1;
      return;
    }
  }
}
