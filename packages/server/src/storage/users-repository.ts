import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Makes sure a user row exists (the single local owner until accounts arrive). */
export async function ensureUser(db: Kysely<Database>, user: { id: string; name: string; role: string; now: number }): Promise<void> {
  await db.insertInto('users')
    .values({ id: user.id, email: null, name: user.name, role: user.role, created_at: user.now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
