import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/seeded-random.mjs';
import { MultisetChecksum, canonicalRow, canonicalVector, type ChecksumColumn } from './content-checksum.js';

describe('content checksums', () => {
  it('do not depend on the order rows are read in, and see a changed, missing or repeated row', () => {
    const rows = ['a', 'b', 'c', 'd'];
    const of = (items: string[]) => {
      const checksum = new MultisetChecksum();
      for (const item of items) checksum.add(item);
      return checksum.hex();
    };
    expect(of(rows)).toBe(of([...rows].reverse()));
    expect(of(rows)).toMatch(/^[0-9a-f]{64}$/);
    for (const other of [['a', 'b', 'c', 'e'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'd']]) expect(of(other)).not.toBe(of(rows));
    expect(new MultisetChecksum().hex()).toBe('0'.repeat(64));
  });

  it('write a row the same way from SQLite and from PostgreSQL values', () => {
    const columns: ChecksumColumn[] = [{ name: 'id', kind: 'text' }, { name: 'created_at', kind: 'integer' }, { name: 'bytes', kind: 'bytes' }, { name: 'note', kind: 'text' }];
    const fromSqlite = { id: 'x', created_at: 1_767_000_000_123, bytes: Buffer.from([0, 1, 255]), note: null };
    const fromPostgres = { id: 'x', created_at: '1767000000123', bytes: new Uint8Array([0, 1, 255]), note: null };
    expect(canonicalRow('t', columns, fromSqlite)).toBe(canonicalRow('t', columns, fromPostgres));
    expect(canonicalRow('t', columns, fromSqlite)).toBe(`["t","x",1767000000123,"sha256:${createHash('sha256').update(Buffer.from([0, 1, 255])).digest('hex')}",null]`);
    expect(canonicalRow('t', columns, { ...fromSqlite, bytes: Buffer.from([0, 1, 254]) })).not.toBe(canonicalRow('t', columns, fromSqlite));
    expect(canonicalRow('t', columns, { ...fromSqlite, note: '' })).not.toBe(canonicalRow('t', columns, fromSqlite));
  });

  it('make vectors unit length once: a second pass and Qdrant keep them bit for bit', () => {
    const random = seededRandom(7);
    for (const dimensions of [3, 64, 384, 1536]) {
      for (const scale of [1e-3, 1, 37]) {
        const vector = Float32Array.from({ length: dimensions }, () => (random() * 2 - 1) * scale);
        const unit = canonicalVector(vector);
        expect(Array.from(canonicalVector(unit))).toEqual(Array.from(unit));
        // Qdrant's rule (cosine_preprocess): the squared length summed in float32, kept when within 1e-6 of 1.
        let squares = 0;
        for (const value of unit) squares = Math.fround(squares + Math.fround(value * value));
        expect(Math.abs(squares - 1)).toBeLessThanOrEqual(1e-6);
      }
    }
    const already = Float32Array.from([0.6, 0.8, 0]);
    expect(canonicalVector(already)).toBe(already);
  });
});
