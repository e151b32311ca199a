import { sql, type Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from './keyset-cursor.js';
import type { ConversationsTable, Database } from './schema.js';

export type ConversationRow = Omit<ConversationsTable, 'message_count'> & { message_count: number };

export interface ListOptions {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined;
  /** Case-insensitive text search in titles and message contents. */
  q?: string | undefined;
}

export async function createConversation(db: Kysely<Database>, row: { owner_id: string; id: string; title: string; agent: string | null; now: number }): Promise<{ created: boolean }> {
  const result = await db.insertInto('conversations')
    .values({ owner_id: row.owner_id, id: row.id, title: row.title, agent: row.agent, created_at: row.now, updated_at: row.now })
    .onConflict((oc) => oc.columns(['owner_id', 'id']).doNothing())
    .executeTakeFirst();
  return { created: Number(result.numInsertedOrUpdatedRows ?? 0) > 0 };
}

export async function getConversation(db: Kysely<Database>, ownerId: string, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
}

export async function listConversations(db: Kysely<Database>, ownerId: string, options: ListOptions): Promise<{ items: ConversationRow[]; nextCursor: string | null }> {
  let query = db.selectFrom('conversations').selectAll().where('owner_id', '=', ownerId);
  const cursor = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (cursor) {
    query = query.where((eb) => eb.or([
      eb('updated_at', '<', cursor.time),
      eb.and([eb('updated_at', '=', cursor.time), eb('id', '<', cursor.id)]),
    ]));
  }
  const q = options.q?.trim();
  if (q) {
    // `!` escapes the wildcards, not a backslash: SQLite has no default escape character, and
    // `'\'` is an unterminated literal on a PostgreSQL with standard_conforming_strings off.
    const pattern = `%${q.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query = query.where((eb) => eb.or([
      sql<boolean>`lower(${eb.ref('conversations.title')}) like ${pattern} escape '!'`,
      eb.exists(eb.selectFrom('messages').select(sql`1`.as('one'))
        .whereRef('messages.owner_id', '=', 'conversations.owner_id')
        .whereRef('messages.conversation_id', '=', 'conversations.id')
        .where(sql<boolean>`lower(messages.content) like ${pattern} escape '!'`)),
    ]));
  }
  const rows = await query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.updated_at, last.id) : null };
}

export async function renameConversation(db: Kysely<Database>, ownerId: string, id: string, title: string, now: number): Promise<boolean> {
  const result = await db.updateTable('conversations').set({ title, updated_at: now }).where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteConversation(db: Kysely<Database>, ownerId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('messages').where('owner_id', '=', ownerId).where('conversation_id', '=', id).execute();
    const result = await trx.deleteFrom('conversations').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

/** Marks the conversation as just used and counts the messages added to it. */
export async function touchConversation(db: Kysely<Database>, ownerId: string, id: string, addedMessages: number, now: number): Promise<void> {
  await db.updateTable('conversations')
    .set((eb) => ({ updated_at: now, message_count: eb('message_count', '+', addedMessages) }))
    .where('owner_id', '=', ownerId).where('id', '=', id).execute();
}
