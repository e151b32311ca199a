import { describe, expect, it } from 'vitest';
import { decodeCursor } from './keyset-cursor.js';

const encode = (value: string) => Buffer.from(value).toString('base64url');

describe('decodeCursor', () => {
  it('decodes a cursor made of a time and an id', () => {
    expect(decodeCursor(encode('[1700000000000,"c1"]'))).toEqual({ time: 1700000000000, id: 'c1' });
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['empty string', ''],
    ['JSON object', encode('{"updatedAt":1,"id":"c1"}')],
    ['array of the wrong types', encode('["1","c1"]')],
    ['missing id', encode('[1]')],
    ['truncated JSON', encode('[1,"c1"')],
    ['infinite time', encode('[1e400,"c1"]')],
    ['fractional time', encode('[1.5,"c1"]')],
  ])('decodes a bad cursor (%s) to undefined', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});
