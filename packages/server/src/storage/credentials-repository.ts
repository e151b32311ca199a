/** Sign-in sessions and API keys: both stored only as hashes of the secret the user holds. */
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database, SessionsTable } from './schema.js';

export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

export async function insertSession(db: Kysely<Database>, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function findSessionByHash(db: Kysely<Database>, tokenHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function revokeSession(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Every live session of a user, for sign-out everywhere (password reset, disabling). */
export async function revokeSessionsOf(db: Kysely<Database>, ownerId: string, now: number): Promise<string[]> {
  const rows = await db.updateTable('sessions').set({ revoked_at: now }).where('owner_id', '=', ownerId).where('revoked_at', 'is', null).returning('id').execute();
  return rows.map((r) => r.id);
}

export async function insertApiKey(db: Kysely<Database>, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export async function findApiKeyByHash(db: Kysely<Database>, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function listApiKeys(db: Kysely<Database>, ownerId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('owner_id', '=', ownerId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Revokes one of the owner's keys; false when it is not theirs or already revoked. */
export async function revokeApiKey(db: Kysely<Database>, ownerId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: now })
    .where('owner_id', '=', ownerId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchApiKey(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}
