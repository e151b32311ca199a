/**
 * Checksums computed the same way on SQLite, PostgreSQL and every vector store, so the two
 * sides of a migration can be compared without trusting either's order or types.
 *
 * Each row (or vector) is written as one canonical text and hashed with SHA-256; a table's
 * checksum is the sum of its rows' hashes modulo 2^256. The sum does not depend on the order
 * rows are read in (SQLite orders text by bytes, PostgreSQL by its collation; Qdrant pages by
 * point id), and with the row count beside it a lost, extra or changed row shows.
 */
import { createHash } from 'node:crypto';
import { withoutNul } from '../storage/storable-text.js';

/** How a column's values are written: PostgreSQL's column type decides, for both sides. */
export type ColumnKind = 'text' | 'integer' | 'bytes';

export interface ChecksumColumn {
  name: string;
  kind: ColumnKind;
}

const MODULUS = 1n << 256n;

export class MultisetChecksum {
  private sum = 0n;
  private items = 0;

  add(content: string | Uint8Array, ...more: (string | Uint8Array)[]): void {
    const hash = createHash('sha256').update(content);
    for (const part of more) hash.update(part);
    this.sum = (this.sum + BigInt(`0x${hash.digest('hex')}`)) % MODULUS;
    this.items += 1;
  }

  get count(): number {
    return this.items;
  }

  /** 64 hex digits. */
  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

/**
 * One row as canonical text: integers as numbers whatever the driver gave (SQLite integers,
 * PostgreSQL int8 as text or number), text as text, bytes (SQLite blob, PostgreSQL bytea) as
 * their SHA-256 (an uploaded file may be hundreds of megabytes: as hex inside the row's text it
 * would be held three times over), null as null. JSON kept in text columns compares as the
 * text it is on both sides; text is compared without NUL characters.
 */
export function canonicalRow(table: string, columns: readonly ChecksumColumn[], row: Record<string, unknown>): string {
  return JSON.stringify([table, ...columns.map((column) => canonicalValue(column.kind, row[column.name]))]);
}

function canonicalValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `sha256:${createHash('sha256').update(value).digest('hex')}`;
  if (kind === 'integer') {
    const number = Number(value);
    return Number.isFinite(number) ? number : String(value);
  }
  if (kind === 'bytes') return `sha256:${createHash('sha256').update(String(value)).digest('hex')}`;
  // As the copy stores it (table-pages.ts): without NUL, which PostgreSQL cannot hold.
  return withoutNul(String(value));
}

/**
 * The vector a record is copied and compared as: its unit-length direction in float32, or the
 * vector itself when it already has unit length (squared length within 2e-7 of 1). Stores
 * compare directions, so nothing a search sees changes; Qdrant keeps a vector whose squared
 * length is within 1e-6 of 1 exactly as sent, so what it returns is this, bit for bit; and a
 * vector made by this function is returned by it unchanged (float32 rounding moves the squared
 * length by at most 1.2e-7), so both sides of a migration compute the same bytes.
 */
export function canonicalVector(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  if (Math.abs(squares - 1) <= 2e-7) return vector;
  const length = Math.sqrt(squares);
  const unit = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) unit[i] = vector[i]! / length;
  return unit;
}

/** Adds one vector record, as `canonicalVector` writes it, to a collection's checksum. */
export function addVector(checksum: MultisetChecksum, record: { id: string; documentId: string; vector: Float32Array }): void {
  const unit = canonicalVector(record.vector);
  checksum.add(`${JSON.stringify([record.id, record.documentId])}\n`, new Uint8Array(unit.buffer, unit.byteOffset, unit.byteLength));
}
