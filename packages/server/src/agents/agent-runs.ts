/**
 * Background agent runs: a run is one agent turn executed by a job on the queue, watched
 * through its status, its events (the turn's stream) and its result.
 *
 * The queue delivers at least once, so the handler is safe to run twice: a run is claimed for
 * one attempt at a time, and only the attempt that owns it may store its result; a finished or
 * cancelled run is acknowledged without work.
 */
import type { Run, RunCreateRequest } from '@sutazai/contracts';
import type { ChatService, TurnOutcome } from '../chat/chat-service.js';
import { AppError } from '../errors/catalogue.js';
import type { DeliveredJob, JobConsumer, JobContext, JobQueue } from '../events/queue/job-queue.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../storage/database.js';
import { decodeCursor, encodeCursor } from '../storage/keyset-cursor.js';
import { newId } from '../storage/ids.js';
import { cancelRun, claimRun, failQueuedRun, finishRun, getRun, getRunById, insertRun, listRuns, requeueRun, setRunTurn, unfinishedRuns, type RunRow } from '../storage/runs-repository.js';
import type { AgentCatalog } from './agent-catalog.js';

export const AGENT_RUN_JOB = 'agent-run';

interface RunJob {
  runId: string;
}

export interface RunService {
  start(ownerId: string, agentId: string, request: RunCreateRequest): Promise<Run>;
  get(ownerId: string, id: string): Promise<RunRow>;
  list(ownerId: string, options: { limit: number; agentId?: string | undefined; cursor?: string | undefined }): Promise<{ items: Run[]; nextCursor: string | null }>;
  cancel(ownerId: string, id: string): Promise<Run>;
  /** Takes `agent-run` jobs from the queue in this process. */
  startWorker(options: { concurrency: number }): Promise<void>;
  /** Enqueues again the runs an in-process queue lost with a previous process. */
  recover(): Promise<number>;
  close(): Promise<void>;
}

export interface RunServiceOptions {
  storage: Storage;
  queue: JobQueue;
  chat: ChatService;
  agents: AgentCatalog;
  logger: Logger;
  /** How often a running run checks whether it was cancelled elsewhere (another replica). */
  cancelCheckMs?: number;
}

export function createRunService(options: RunServiceOptions): RunService {
  const { storage, queue, chat, agents, logger } = options;
  const db = storage.db;
  const local = new Map<string, AbortController>();
  let consumer: JobConsumer | undefined;

  async function handle(job: DeliveredJob<RunJob>, context: JobContext): Promise<void> {
    const runId = job.payload.runId;
    const attempt = await claimRun(db, runId, Date.now());
    if (attempt === undefined) return; // finished, cancelled, or unknown: nothing to do twice
    const run = (await getRunById(db, runId))!;
    const controller = new AbortController();
    local.set(runId, controller);
    const onShutdown = () => controller.abort(new AppError('GENERATION_STOPPED', 'The server is shutting down; the run will continue elsewhere.'));
    context.signal.addEventListener('abort', onShutdown, { once: true });
    // Another replica may cancel it: the stored status is what counts.
    const watcher = setInterval(() => {
      void getRunById(db, runId).then((row) => {
        if (row?.status === 'cancelled') controller.abort(new AppError('GENERATION_STOPPED', 'Cancelled by the user.'));
      }, () => undefined);
    }, options.cancelCheckMs ?? 1000);
    watcher.unref();
    let outcome: TurnOutcome;
    try {
      ({ outcome } = await chat.runTurn(
        { ownerId: run.owner_id, message: run.input, agent: run.agent_id, model: run.model ?? undefined, sessionId: run.conversation_id ?? undefined, background: true, signal: controller.signal },
        (turn) => setRunTurn(db, runId, attempt, { conversation_id: turn.sessionId, message_id: turn.messageId }, Date.now()),
      ));
    } catch (error) {
      // The turn could not start (agent deleted, no model...): a failure of the run, not of the job.
      const failure = error instanceof AppError ? error : new AppError('INTERNAL_ERROR');
      if (!(error instanceof AppError)) logger.error({ err: error, runId }, 'agent run failed to start');
      await finishRun(db, runId, attempt, { status: 'failed', result: null, error_code: failure.code, error_message: failure.message }, Date.now());
      return;
    } finally {
      clearInterval(watcher);
      context.signal.removeEventListener('abort', onShutdown);
      local.delete(runId);
    }
    if (context.signal.aborted) {
      // Shutdown: hand the run back; the job is not acknowledged and comes again.
      await requeueRun(db, runId, attempt, Date.now());
      throw new Error('The run was interrupted by a shutdown.');
    }
    const status = outcome.status === 'complete' ? 'succeeded' : outcome.errorCode === 'GENERATION_STOPPED' ? 'cancelled' : 'failed';
    const stored = await finishRun(db, runId, attempt, {
      status, result: outcome.content || null, error_code: outcome.errorCode, error_message: outcome.errorMessage,
    }, Date.now());
    if (!stored) logger.info({ runId, attempt }, 'agent run finished after it was cancelled or taken over; its result is not stored');
  }

  return {
    async start(ownerId, agentId, request) {
      const agent = await agents.get(ownerId, agentId);
      const now = Date.now();
      const id = newId(now);
      await insertRun(db, { id, owner_id: ownerId, agent_id: agent.id, input: request.input, model: request.model ?? null, now });
      try {
        await queue.enqueue<RunJob>({ id, kind: AGENT_RUN_JOB, payload: { runId: id } });
      } catch (error) {
        await failQueuedRun(db, id, { error_code: 'QUEUE_UNAVAILABLE', error_message: 'The job queue did not accept the run.' }, Date.now());
        throw new AppError('QUEUE_UNAVAILABLE', undefined, { cause: error });
      }
      return toRun((await getRun(db, ownerId, id))!);
    },

    async get(ownerId, id) {
      const row = await getRun(db, ownerId, id);
      if (!row) throw new AppError('RUN_NOT_FOUND', `No run "${id}".`);
      return row;
    },

    async list(ownerId, { limit, agentId, cursor }) {
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && !before) throw new AppError('VALIDATION_FAILED', 'cursor is not a value returned as next_cursor.');
      const rows = await listRuns(db, ownerId, { limit: limit + 1, agentId, before });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(toRun), nextCursor: rows.length > limit && last ? encodeCursor(Number(last.created_at), last.id) : null };
    },

    async cancel(ownerId, id) {
      const row = await getRun(db, ownerId, id);
      if (!row) throw new AppError('RUN_NOT_FOUND', `No run "${id}".`);
      if (!await cancelRun(db, ownerId, id, Date.now())) throw new AppError('RUN_FINISHED', `The run "${id}" has finished already (${row.status}).`);
      local.get(id)?.abort(new AppError('GENERATION_STOPPED', 'Cancelled by the user.'));
      return toRun((await getRun(db, ownerId, id))!);
    },

    async startWorker({ concurrency }) {
      consumer = await queue.consume<RunJob>(AGENT_RUN_JOB, handle, { concurrency });
    },

    async recover() {
      // A broker keeps its jobs across restarts; only the in-process queue forgets them.
      if (queue.kind !== 'in-process') return 0;
      const rows = await unfinishedRuns(db);
      for (const row of rows) await queue.enqueue<RunJob>({ id: row.id, kind: AGENT_RUN_JOB, payload: { runId: row.id } });
      return rows.length;
    },

    async close() {
      await consumer?.close();
    },
  };
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id, agent_id: row.agent_id, status: row.status, input: row.input, result: row.result,
    error_code: row.error_code, error_message: row.error_message, attempts: row.attempts,
    conversation_id: row.conversation_id, message_id: row.message_id,
    created_at: Number(row.created_at), updated_at: Number(row.updated_at), finished_at: row.finished_at === null ? null : Number(row.finished_at),
  };
}
