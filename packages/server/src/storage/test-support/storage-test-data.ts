/** Small builders shared by the conformance cases; every test owns its own user. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createConversation } from '../conversations-repository.js';
import type { NewMessage } from '../messages-repository.js';
import type { Database } from '../schema.js';
import { ensureUser } from '../users-repository.js';

/** A fixed clock, so rows carry predictable times. */
export const T0 = 1_700_000_000_000;

export async function createOwner(db: Kysely<Database>): Promise<string> {
  const id = `user_${randomBytes(6).toString('hex')}`;
  await ensureUser(db, { id, name: 'Test user', role: 'user', now: T0 });
  return id;
}

export async function createConversationFor(db: Kysely<Database>, ownerId: string, id: string, title = `Conversation ${id}`, now = T0): Promise<void> {
  const { created } = await createConversation(db, { owner_id: ownerId, id, title, agent: null, now });
  if (!created) throw new Error(`conversation ${id} already existed`);
}

export function message(ownerId: string, conversationId: string, id: string, fields: Partial<NewMessage> = {}): NewMessage {
  return { id, owner_id: ownerId, conversation_id: conversationId, role: 'user', content: `content of ${id}`, status: 'complete', now: T0, ...fields };
}
