/**
 * The tables `sutazai migrate` copies, parents before children so foreign keys hold after each
 * table, each with its primary key: the order batches are read in and the position a resumed
 * run starts from. A table the migrations create that is missing here stops the copy
 * (`unknownTables`): a new table must be added on purpose, not skipped by accident.
 */

export interface CopiedTable {
  name: string;
  key: readonly string[];
  /** Rows per batch at most, below the run's batch size: uploaded files are kept whole in a row. */
  maxBatch?: number;
}

export const COPIED_TABLES: readonly CopiedTable[] = [
  { name: 'users', key: ['id'] },
  { name: 'settings', key: ['key'] },
  // Sign-in sessions and API keys are stored as SHA-256 hashes with no server secret, so they
  // are valid on the target as they are: nobody is signed out, no script loses its key.
  { name: 'sessions', key: ['id'] },
  { name: 'api_keys', key: ['id'] },
  { name: 'conversations', key: ['owner_id', 'id'] },
  { name: 'messages', key: ['id'] },
  { name: 'agents', key: ['owner_id', 'id'] },
  { name: 'agent_runs', key: ['id'] },
  { name: 'knowledge_bases', key: ['id'] },
  { name: 'knowledge_documents', key: ['id'] },
  { name: 'knowledge_uploads', key: ['document_id'], maxBatch: 4 },
  // PostgreSQL's full-text data (`tsv`) is a column generated from `text`, filled as rows arrive.
  { name: 'knowledge_chunks', key: ['id'] },
];

/**
 * Tables of the target that are not data to copy: the migration runner's own, the migrate
 * command's progress, pgvector's collections (copied as vectors) and SQLite's full-text index
 * (rebuilt by PostgreSQL from the chunks).
 */
const NOT_COPIED = [/^kysely_migration(_lock)?$/, /^sutazai_migration_progress$/, /^sutazai_vectors_/, /^knowledge_chunks_fts(_.*)?$/, /^sqlite_/];

/** Tables that hold data but are not in `COPIED_TABLES`. */
export function unknownTables(names: readonly string[]): string[] {
  const known = new Set(COPIED_TABLES.map((table) => table.name));
  return names.filter((name) => !known.has(name) && !NOT_COPIED.some((pattern) => pattern.test(name)));
}
