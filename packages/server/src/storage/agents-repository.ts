import type { Kysely, Selectable } from 'kysely';
import type { AgentsTable, Database } from './schema.js';

export type AgentRow = Selectable<AgentsTable>;

export interface AgentFields {
  name: string;
  description: string;
  system_prompt: string;
  model: string | null;
  /** JSON text. */
  tools: string;
  knowledge_bases: string;
  limits: string;
}

export async function listAgents(db: Kysely<Database>, ownerId: string): Promise<AgentRow[]> {
  return db.selectFrom('agents').selectAll().where('owner_id', '=', ownerId).orderBy('name').orderBy('id').execute();
}

export async function getAgent(db: Kysely<Database>, ownerId: string, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
}

/** False when the owner has an agent with this id already. */
export async function insertAgent(db: Kysely<Database>, ownerId: string, id: string, fields: AgentFields, now: number): Promise<boolean> {
  const result = await db.insertInto('agents').values({ owner_id: ownerId, id, ...fields, created_at: now, updated_at: now })
    .onConflict((c) => c.columns(['owner_id', 'id']).doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function updateAgent(db: Kysely<Database>, ownerId: string, id: string, fields: Partial<AgentFields>, now: number): Promise<boolean> {
  const result = await db.updateTable('agents').set({ ...fields, updated_at: now }).where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteAgent(db: Kysely<Database>, ownerId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('agents').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
