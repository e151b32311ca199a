import type { Kysely, Selectable } from 'kysely';
import type { Database, UserRole, UsersTable } from './schema.js';

export type UserRow = Selectable<UsersTable>;

/** Makes sure a user row exists (the local owner of single-user mode). */
export async function ensureUser(db: Kysely<Database>, user: { id: string; name: string; role: UserRole | string; now: number }): Promise<void> {
  await db.insertInto('users')
    .values({ id: user.id, email: null, name: user.name, role: user.role as UserRole, password_hash: null, created_at: user.now, updated_at: user.now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Accounts people sign in to (the local single-user owner has no email and is not one). */
export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('email', 'is not', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function createAccount(db: Kysely<Database>, user: { id: string; email: string; name: string; role: UserRole; passwordHash: string; disabled: boolean; now: number }): Promise<boolean> {
  const result = await db.insertInto('users')
    .values({ id: user.id, email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash, disabled: user.disabled ? 1 : 0, created_at: user.now, updated_at: user.now })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAccounts(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('email', 'is not', null).orderBy('created_at').orderBy('id').execute();
}

export async function updateAccount(db: Kysely<Database>, id: string, changes: { role?: UserRole; disabled?: boolean; passwordHash?: string; name?: string }, now: number): Promise<boolean> {
  const result = await db.updateTable('users').set({
    ...(changes.role !== undefined ? { role: changes.role } : {}),
    ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
    ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    updated_at: now,
  }).where('id', '=', id).where('email', 'is not', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
