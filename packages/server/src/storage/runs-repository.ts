import type { Kysely, Selectable } from 'kysely';
import type { KeysetPosition } from './keyset-cursor.js';
import type { AgentRunsTable, Database, RunStatus } from './schema.js';

export type RunRow = Selectable<AgentRunsTable>;
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export async function insertRun(db: Kysely<Database>, run: { id: string; owner_id: string; agent_id: string; input: string; model: string | null; now: number }): Promise<void> {
  await db.insertInto('agent_runs').values({
    id: run.id, owner_id: run.owner_id, agent_id: run.agent_id, status: 'queued', input: run.input, model: run.model,
    conversation_id: null, message_id: null, result: null, error_code: null, error_message: null, created_at: run.now, updated_at: run.now, finished_at: null,
  }).execute();
}

export async function getRun(db: Kysely<Database>, ownerId: string, id: string): Promise<RunRow | undefined> {
  return db.selectFrom('agent_runs').selectAll().where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
}

/** For the worker, which knows the run only by its job. */
export async function getRunById(db: Kysely<Database>, id: string): Promise<RunRow | undefined> {
  return db.selectFrom('agent_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first, `limit` at a time, after the run `before` (a keyset cursor: created_at and id). */
export async function listRuns(db: Kysely<Database>, ownerId: string, options: { limit: number; agentId?: string | undefined; before?: KeysetPosition | undefined }): Promise<RunRow[]> {
  let query = db.selectFrom('agent_runs').selectAll().where('owner_id', '=', ownerId);
  if (options.agentId) query = query.where('agent_id', '=', options.agentId);
  const before = options.before;
  if (before) query = query.where((eb) => eb.or([eb('created_at', '<', before.time), eb.and([eb('created_at', '=', before.time), eb('id', '<', before.id)])]));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/**
 * Takes the run for one attempt: queued (or running, after a worker died) becomes running with
 * the attempt counted. Returns the attempt number, or undefined when the run has finished or
 * was cancelled: then there is nothing to do, which is what makes a redelivery harmless.
 */
export async function claimRun(db: Kysely<Database>, id: string, now: number): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('agent_runs').select(['status', 'attempts']).where('id', '=', id).executeTakeFirst();
    if (!row || (row.status !== 'queued' && row.status !== 'running')) return undefined;
    const attempt = row.attempts + 1;
    const result = await trx.updateTable('agent_runs').set({ status: 'running', attempts: attempt, updated_at: now })
      .where('id', '=', id).where('attempts', '=', row.attempts).where('status', 'in', ['queued', 'running']).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? attempt : undefined;
  });
}

export async function setRunTurn(db: Kysely<Database>, id: string, attempt: number, turn: { conversation_id: string; message_id: string }, now: number): Promise<void> {
  await db.updateTable('agent_runs').set({ ...turn, updated_at: now }).where('id', '=', id).where('attempts', '=', attempt).where('status', '=', 'running').execute();
}

/**
 * Stores the result of one attempt, only if that attempt still owns the run: a duplicate
 * delivery, an older attempt or a cancellation cannot overwrite it. True when stored.
 */
export async function finishRun(db: Kysely<Database>, id: string, attempt: number, end: { status: RunStatus; result: string | null; error_code: string | null; error_message: string | null }, now: number): Promise<boolean> {
  const result = await db.updateTable('agent_runs').set({ ...end, updated_at: now, finished_at: now })
    .where('id', '=', id).where('attempts', '=', attempt).where('status', '=', 'running').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A run the queue never accepted: failed before any attempt. */
export async function failQueuedRun(db: Kysely<Database>, id: string, end: { error_code: string; error_message: string }, now: number): Promise<void> {
  await db.updateTable('agent_runs').set({ status: 'failed', ...end, updated_at: now, finished_at: now }).where('id', '=', id).where('status', '=', 'queued').execute();
}

/** A running attempt handed back to the queue (shutdown): it will be claimed again. */
export async function requeueRun(db: Kysely<Database>, id: string, attempt: number, now: number): Promise<void> {
  await db.updateTable('agent_runs').set({ status: 'queued', updated_at: now }).where('id', '=', id).where('attempts', '=', attempt).where('status', '=', 'running').execute();
}

/** True when the run was queued or running and is now cancelled. */
export async function cancelRun(db: Kysely<Database>, ownerId: string, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('agent_runs').set({ status: 'cancelled', error_code: 'GENERATION_STOPPED', error_message: 'Cancelled by the user.', updated_at: now, finished_at: now })
    .where('owner_id', '=', ownerId).where('id', '=', id).where('status', 'in', ['queued', 'running']).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Runs not finished: what an in-process queue lost with its process. */
export async function unfinishedRuns(db: Kysely<Database>): Promise<RunRow[]> {
  return db.selectFrom('agent_runs').selectAll().where('status', 'in', ['queued', 'running']).orderBy('created_at').execute();
}
