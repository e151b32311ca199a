import type { Kysely, Selectable } from 'kysely';
import type { Database, MessageRole, MessagesTable, MessageStatus } from './schema.js';

export type MessageRow = Selectable<MessagesTable>;

export interface NewMessage {
  id: string;
  owner_id: string;
  conversation_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model?: string | null;
  provider?: string | null;
  now: number;
}

export async function insertMessages(db: Kysely<Database>, messages: NewMessage[]): Promise<void> {
  // `insert ... values ()` with no rows is a syntax error on both engines.
  if (messages.length === 0) return;
  await db.insertInto('messages').values(messages.map((m) => ({
    id: m.id, owner_id: m.owner_id, conversation_id: m.conversation_id, role: m.role, content: m.content, status: m.status,
    model: m.model ?? null, provider: m.provider ?? null, prompt_tokens: null, completion_tokens: null,
    time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: m.now, updated_at: m.now,
  }))).execute();
}

export interface NewToolMessage {
  id: string;
  owner_id: string;
  conversation_id: string;
  /** The reply whose model made the call. */
  parent_id: string;
  step: number;
  tool_call_id: string;
  tool_name: string;
  /** JSON text of the call's arguments. */
  tool_arguments: string;
  /** What the tool returned. */
  content: string;
  status: 'complete' | 'error';
  now: number;
}

/** A tool call and its result, stored as a `tool` message under the reply that made it. */
export async function insertToolMessage(db: Kysely<Database>, m: NewToolMessage): Promise<void> {
  await db.insertInto('messages').values({
    id: m.id, owner_id: m.owner_id, conversation_id: m.conversation_id, role: 'tool', content: m.content, status: m.status,
    model: null, provider: null, prompt_tokens: null, completion_tokens: null, time_to_first_token_ms: null, duration_ms: null, error_code: null,
    created_at: m.now, updated_at: m.now, parent_id: m.parent_id, step: m.step, tool_call_id: m.tool_call_id, tool_name: m.tool_name, tool_arguments: m.tool_arguments,
  }).execute();
}

/** A stored tool message read back as the call it records and its result. */
export interface StoredToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  content: string;
  isError: boolean;
  step: number;
}

export function storedToolCall(row: MessageRow): StoredToolCall {
  return {
    id: row.tool_call_id ?? row.id, name: row.tool_name ?? '', arguments: JSON.parse(row.tool_arguments ?? '{}') as Record<string, unknown>,
    content: row.content, isError: row.status === 'error', step: row.step ?? 0,
  };
}

/** The tool messages of these replies, in the order they were made. */
export async function toolMessagesOf(db: Kysely<Database>, ownerId: string, parentIds: readonly string[]): Promise<MessageRow[]> {
  if (parentIds.length === 0) return [];
  return db.selectFrom('messages').selectAll().where('owner_id', '=', ownerId).where('parent_id', 'in', parentIds)
    .orderBy('created_at').orderBy('id').execute();
}

/** The text delivered so far of a reply that is still being generated. */
export async function saveProgress(db: Kysely<Database>, id: string, content: string, now: number): Promise<void> {
  await db.updateTable('messages').set({ content, updated_at: now }).where('id', '=', id).where('status', '=', 'generating').execute();
}

export interface FinishedMessage {
  content: string;
  status: Exclude<MessageStatus, 'generating'>;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  time_to_first_token_ms: number | null;
  duration_ms: number | null;
  error_code: string | null;
  now: number;
}

export async function finishMessage(db: Kysely<Database>, id: string, finished: FinishedMessage): Promise<void> {
  const { now, ...fields } = finished;
  await db.updateTable('messages').set({ ...fields, updated_at: now }).where('id', '=', id).execute();
}

export async function getMessage(db: Kysely<Database>, ownerId: string, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
}

/** A conversation's messages; tool messages are read with `toolMessagesOf` their reply. */
export async function listMessages(db: Kysely<Database>, ownerId: string, conversationId: string): Promise<MessageRow[]> {
  return db.selectFrom('messages').selectAll()
    .where('owner_id', '=', ownerId).where('conversation_id', '=', conversationId).where('parent_id', 'is', null)
    .orderBy('created_at').orderBy('id').execute();
}

/** The last `limit` messages, oldest first, for prompt assembly. */
export async function recentMessages(db: Kysely<Database>, ownerId: string, conversationId: string, limit: number): Promise<MessageRow[]> {
  if (limit === 0) return [];
  const rows = await db.selectFrom('messages').selectAll()
    .where('owner_id', '=', ownerId).where('conversation_id', '=', conversationId).where('parent_id', 'is', null)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.reverse();
}

/**
 * Replies left `generating` by a process that died. `staleBefore` is a time before which
 * a live generation would have saved progress (it saves every second), so on a shared
 * database other replicas' live replies are left alone.
 */
export async function staleGenerations(db: Kysely<Database>, staleBefore: number, limit: number): Promise<Array<Pick<MessageRow, 'id' | 'content'>>> {
  return db.selectFrom('messages').select(['id', 'content'])
    .where('status', '=', 'generating').where('updated_at', '<', staleBefore).orderBy('updated_at').limit(limit).execute();
}

/**
 * Marks the stale replies interrupted, or only `recovered.id`, storing the text recovered for
 * it. Returns how many were marked: a reply that saved progress meanwhile is left alone.
 */
export async function interruptStaleGenerations(db: Kysely<Database>, staleBefore: number, now: number, recovered?: { id: string; content: string }): Promise<number> {
  let update = db.updateTable('messages')
    .set({ status: 'interrupted', error_code: 'GENERATION_STOPPED', updated_at: now, ...(recovered ? { content: recovered.content } : {}) })
    .where('status', '=', 'generating').where('updated_at', '<', staleBefore);
  if (recovered) update = update.where('id', '=', recovered.id);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
