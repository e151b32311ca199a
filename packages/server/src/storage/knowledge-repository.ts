import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, KnowledgeBasesTable, KnowledgeChunksTable, KnowledgeDocumentsTable } from './schema.js';

export type KnowledgeBaseRow = Selectable<KnowledgeBasesTable>;
export type DocumentRow = Selectable<KnowledgeDocumentsTable>;
export type ChunkRow = Selectable<KnowledgeChunksTable>;

export async function insertBase(db: Kysely<Database>, base: { id: string; owner_id: string; name: string; description: string; now: number }): Promise<void> {
  await db.insertInto('knowledge_bases').values({ id: base.id, owner_id: base.owner_id, name: base.name, description: base.description, embedding_model: null, embedding_dimensions: null, created_at: base.now, updated_at: base.now }).execute();
}

export async function getBase(db: Kysely<Database>, ownerId: string, id: string): Promise<KnowledgeBaseRow | undefined> {
  return db.selectFrom('knowledge_bases').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
}

export async function getBaseById(db: Kysely<Database>, id: string): Promise<KnowledgeBaseRow | undefined> {
  return db.selectFrom('knowledge_bases').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface BaseWithCounts extends KnowledgeBaseRow {
  document_count: number;
  chunk_count: number;
}

export async function listBases(db: Kysely<Database>, ownerId: string, ids?: readonly string[]): Promise<BaseWithCounts[]> {
  let query = db.selectFrom('knowledge_bases as b')
    .leftJoin('knowledge_documents as d', 'd.knowledge_base_id', 'b.id')
    .selectAll('b')
    .select((eb) => [eb.fn.count<number>('d.id').as('document_count'), eb.fn.coalesce(eb.fn.sum<number>('d.chunk_count'), eb.val(0)).as('chunk_count')])
    .where('b.owner_id', '=', ownerId)
    .groupBy(['b.id', 'b.owner_id', 'b.name', 'b.description', 'b.embedding_model', 'b.embedding_dimensions', 'b.created_at', 'b.updated_at'])
    .orderBy('b.created_at', 'desc');
  if (ids) {
    if (ids.length === 0) return [];
    query = query.where('b.id', 'in', ids);
  }
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, document_count: Number(row.document_count), chunk_count: Number(row.chunk_count) }));
}

export async function deleteBase(db: Kysely<Database>, ownerId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('knowledge_bases').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Records the embedding model of a base's index; false when it has another one already. */
export async function claimEmbeddingModel(db: Kysely<Database>, id: string, model: string, dimensions: number, now: number): Promise<boolean> {
  await db.updateTable('knowledge_bases').set({ embedding_model: model, embedding_dimensions: dimensions, updated_at: now })
    .where('id', '=', id).where('embedding_model', 'is', null).execute();
  const row = await getBaseById(db, id);
  return row?.embedding_model === model && row.embedding_dimensions === dimensions;
}

export async function resetEmbeddingModel(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('knowledge_bases').set({ embedding_model: null, embedding_dimensions: null, updated_at: now }).where('id', '=', id).execute();
}

export async function insertDocument(db: Kysely<Database>, doc: { id: string; owner_id: string; knowledge_base_id: string; name: string; source: 'upload' | 'url'; url: string | null; content_type: string | null; size_bytes: number | null; now: number }, bytes?: Uint8Array): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('knowledge_documents').values({
      id: doc.id, owner_id: doc.owner_id, knowledge_base_id: doc.knowledge_base_id, name: doc.name, source: doc.source, url: doc.url,
      content_type: doc.content_type, size_bytes: doc.size_bytes, status: 'queued', stage: 'queued', error_code: null, error_message: null,
      embedding_model: null, created_at: doc.now, updated_at: doc.now, indexed_at: null,
    }).execute();
    if (bytes) await trx.insertInto('knowledge_uploads').values({ document_id: doc.id, bytes }).execute();
  });
}

export async function getDocument(db: Kysely<Database>, ownerId: string, baseId: string, id: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('knowledge_documents').selectAll().where('owner_id', '=', ownerId).where('knowledge_base_id', '=', baseId).where('id', '=', id).executeTakeFirst();
}

export async function getDocumentById(db: Kysely<Database>, id: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('knowledge_documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listDocuments(db: Kysely<Database>, ownerId: string, baseId: string): Promise<DocumentRow[]> {
  return db.selectFrom('knowledge_documents').selectAll().where('owner_id', '=', ownerId).where('knowledge_base_id', '=', baseId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function documentsOfBase(db: Kysely<Database>, baseId: string): Promise<DocumentRow[]> {
  return db.selectFrom('knowledge_documents').selectAll().where('knowledge_base_id', '=', baseId).orderBy('created_at').execute();
}

export async function deleteDocument(db: Kysely<Database>, ownerId: string, baseId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('knowledge_documents').where('owner_id', '=', ownerId).where('knowledge_base_id', '=', baseId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function uploadedBytes(db: Kysely<Database>, documentId: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom('knowledge_uploads').select('bytes').where('document_id', '=', documentId).executeTakeFirst();
  return row?.bytes;
}

export async function updateDocument(db: Kysely<Database>, id: string, changes: Partial<Omit<DocumentRow, 'id' | 'owner_id' | 'knowledge_base_id' | 'created_at'>>): Promise<void> {
  await db.updateTable('knowledge_documents').set(changes).where('id', '=', id).execute();
}

/** Replaces a document's chunks in one transaction (a re-run of ingestion starts clean). */
export async function replaceChunks(db: Kysely<Database>, documentId: string, chunks: Omit<ChunkRow, 'document_id'>[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('knowledge_chunks').where('document_id', '=', documentId).execute();
    for (let i = 0; i < chunks.length; i += 200) {
      await trx.insertInto('knowledge_chunks').values(chunks.slice(i, i + 200).map((c) => ({ ...c, document_id: documentId }))).execute();
    }
  });
}

export async function chunksOf(db: Kysely<Database>, documentId: string): Promise<ChunkRow[]> {
  return db.selectFrom('knowledge_chunks').selectAll().where('document_id', '=', documentId).orderBy('position').execute();
}

export async function chunksByIds(db: Kysely<Database>, ownerId: string, ids: readonly string[]): Promise<(ChunkRow & { document_name: string })[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('knowledge_chunks as c').innerJoin('knowledge_documents as d', 'd.id', 'c.document_id')
    .selectAll('c').select('d.name as document_name')
    .where('c.owner_id', '=', ownerId).where('c.id', 'in', ids).execute();
}

export interface FullTextHit {
  id: string;
  /** Higher is better. */
  score: number;
}

/**
 * Full-text search over the chunks of these bases: SQLite FTS5 ranked by BM25, or PostgreSQL
 * tsvector ranked by ts_rank_cd. Any term may match (OR); rare terms weigh more.
 */
export async function fullTextSearch(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', options: { ownerId: string; baseIds: readonly string[]; documentIds?: readonly string[] | undefined; terms: readonly string[]; limit: number }): Promise<FullTextHit[]> {
  if (options.terms.length === 0 || options.baseIds.length === 0) return [];
  const documentFilter = options.documentIds?.length ? sql`and c.document_id in (${sql.join(options.documentIds)})` : sql``;
  if (dialect === 'sqlite') {
    const match = options.terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
    const rows = await sql<{ id: string; rank: number }>`
      select c.id, bm25(knowledge_chunks_fts) as rank
      from knowledge_chunks_fts join knowledge_chunks c on c.rowid = knowledge_chunks_fts.rowid
      where knowledge_chunks_fts match ${match} and c.owner_id = ${options.ownerId} and c.knowledge_base_id in (${sql.join(options.baseIds)}) ${documentFilter}
      order by rank limit ${options.limit}`.execute(db);
    // BM25 in FTS5 is negative, lower is better.
    return rows.rows.map((row) => ({ id: row.id, score: -Number(row.rank) }));
  }
  const query = options.terms.map((term) => term.replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean).join(' | ');
  if (!query) return [];
  const rows = await sql<{ id: string; rank: number }>`
    select c.id, ts_rank_cd(c.tsv, q) as rank
    from knowledge_chunks c, to_tsquery('english', ${query}) q
    where c.tsv @@ q and c.owner_id = ${options.ownerId} and c.knowledge_base_id in (${sql.join(options.baseIds)}) ${documentFilter}
    order by rank desc, c.id limit ${options.limit}`.execute(db);
  return rows.rows.map((row) => ({ id: row.id, score: Number(row.rank) }));
}
