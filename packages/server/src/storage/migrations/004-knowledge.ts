import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Knowledge bases, their documents (with the uploaded bytes until ingestion has read them) and
 * chunks, with full-text search: SQLite FTS5 kept in step by triggers, or a generated
 * PostgreSQL tsvector with a GIN index. Replies get the citations they were answered with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;

  await db.schema.createTable('knowledge_bases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // The model the index was built with; null until the first vectors are stored.
    .addColumn('embedding_model', 'text')
    .addColumn('embedding_dimensions', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('knowledge_bases_owner').on('knowledge_bases').columns(['owner_id', 'created_at']).execute();

  await db.schema.createTable('knowledge_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('knowledge_base_id', 'text', (c) => c.notNull().references('knowledge_bases.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('content_type', 'text')
    .addColumn('size_bytes', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stage', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('chunk_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('vector_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('embedding_model', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('indexed_at', 'bigint')
    .execute();
  await db.schema.createIndex('knowledge_documents_base').on('knowledge_documents').columns(['knowledge_base_id', 'created_at']).execute();

  await db.schema.createTable('knowledge_uploads')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('knowledge_documents.id').onDelete('cascade'))
    .addColumn('bytes', sqlite ? 'blob' : 'bytea', (c) => c.notNull())
    .execute();

  await db.schema.createTable('knowledge_chunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('knowledge_base_id', 'text', (c) => c.notNull())
    .addColumn('document_id', 'text', (c) => c.notNull().references('knowledge_documents.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('heading_path', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .addColumn('start_offset', 'integer', (c) => c.notNull())
    .addColumn('end_offset', 'integer', (c) => c.notNull())
    .addColumn('page', 'integer')
    .execute();
  await db.schema.createIndex('knowledge_chunks_document').on('knowledge_chunks').columns(['document_id', 'position']).execute();
  await db.schema.createIndex('knowledge_chunks_base').on('knowledge_chunks').columns(['knowledge_base_id']).execute();

  if (sqlite) {
    await sql`create virtual table knowledge_chunks_fts using fts5(text, content='knowledge_chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
    await sql`create trigger knowledge_chunks_fts_insert after insert on knowledge_chunks begin
      insert into knowledge_chunks_fts(rowid, text) values (new.rowid, new.text); end`.execute(db);
    await sql`create trigger knowledge_chunks_fts_delete after delete on knowledge_chunks begin
      insert into knowledge_chunks_fts(knowledge_chunks_fts, rowid, text) values ('delete', old.rowid, old.text); end`.execute(db);
  } else {
    await sql`alter table knowledge_chunks add column tsv tsvector generated always as (to_tsvector('english', text)) stored`.execute(db);
    await sql`create index knowledge_chunks_tsv on knowledge_chunks using gin (tsv)`.execute(db);
  }

  await db.schema.alterTable('messages').addColumn('citations', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('citations').execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) await sql`drop table if exists knowledge_chunks_fts`.execute(db);
  for (const table of ['knowledge_chunks', 'knowledge_uploads', 'knowledge_documents', 'knowledge_bases']) await db.schema.dropTable(table).execute();
}
