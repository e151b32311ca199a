/**
 * Where the crash and restart tests store what their handlers did: a table in a fresh
 * PostgreSQL schema, written idempotently by job id, as a real handler must be written.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresTestUrl, runOnPostgres } from '../../../storage/test-support/storage-fixtures.js';

export interface ResultsTable {
  schema: string;
  /** Schema-qualified and quoted. */
  name: string;
  pool: pg.Pool;
  /** Stores the job's result unless one is already stored: at-least-once delivery, exactly-once result. */
  store(jobId: string, worker: string, attempt: number): Promise<void>;
  rows(): Promise<{ job_id: string; worker: string; attempt: number }[]>;
  dispose(): Promise<void>;
}

export async function createResultsTable(): Promise<ResultsTable> {
  const schema = `t_jobs_${randomBytes(5).toString('hex')}`;
  await runOnPostgres(`create schema "${schema}"; create table "${schema}".job_results (job_id text primary key, worker text not null, attempt integer not null, stored_at timestamptz not null default now())`);
  return openResultsTable(schema);
}

/** Opens a table made by `createResultsTable`, from another process. */
export function openResultsTable(schema: string): ResultsTable {
  const name = `"${schema}".job_results`;
  const pool = new pg.Pool({ connectionString: postgresTestUrl, max: 4 });
  return {
    schema,
    name,
    pool,
    async store(jobId, worker, attempt) {
      await pool.query(`insert into ${name} (job_id, worker, attempt) values ($1, $2, $3) on conflict (job_id) do nothing`, [jobId, worker, attempt]);
    },
    async rows() {
      const result = await pool.query<{ job_id: string; worker: string; attempt: number }>(`select job_id, worker, attempt from ${name} order by job_id`);
      return result.rows;
    },
    async dispose() {
      await pool.end();
      await runOnPostgres(`drop schema if exists "${schema}" cascade`);
    },
  };
}

