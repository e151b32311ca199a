/**
 * Qdrant point ids are unsigned integers or UUIDs; chunk ids are neither. Each chunk id maps to
 * a name-based UUID (version 5, RFC 9562: SHA-1 of a fixed namespace and the id), the same on
 * every replica and every run, so an upsert of the same chunk replaces its point.
 */
import { createHash } from 'node:crypto';

/** A namespace of SutazAI's own (a random UUID, fixed forever: changing it orphans every stored point). */
const NAMESPACE = Buffer.from('6f1c2a64b9d54e0fa3c2a1d7e5b80c19', 'hex');

export function qdrantPointId(chunkId: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(chunkId, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
