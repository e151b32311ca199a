/**
 * Collection names come from knowledge base ids and model names (`kb_01H...:ollama/nomic-embed-text`):
 * any characters, any length. Stores need file, table and collection names that are plain
 * (letters, digits, underscores), short, and different for different names even when the
 * plain parts collide (`a/b` and `a_b`, `A` and `a`): a readable slug plus a hash of the
 * whole name.
 */
import { createHash } from 'node:crypto';
import { checkCollectionName } from './vector-checks.js';

const HASH_LENGTH = 16;

/** The collection of a knowledge base's chunks embedded by `model`: vectors of different models never mix. */
export function collectionOf(baseId: string, model: string): string {
  return `${baseId}:${model}`;
}

export function safeCollectionName(name: string, options: { prefix?: string; maxLength?: number } = {}): string {
  checkCollectionName(name);
  const prefix = options.prefix ?? 'c_';
  const maxLength = options.maxLength ?? 63;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const room = Math.max(0, maxLength - prefix.length - 1 - HASH_LENGTH);
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, room)
    .replace(/^_+|_+$/g, '');
  return slug ? `${prefix}${slug}_${hash}` : `${prefix}${hash}`;
}
