/** Where the conformance suite runs: a temporary SQLite file, or a fresh PostgreSQL schema. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../config/load.js';

export interface StorageFixture {
  target: DatabaseTarget;
  /** Removes what the run left behind. */
  dispose(): Promise<void>;
}

/**
 * The real server the PostgreSQL tests run against. It is not optional: when it does not
 * answer, those tests fail rather than skip.
 */
export const postgresTestUrl = process.env.SUTAZAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function createSqliteFixture(): Promise<StorageFixture> {
  const directory = await mkdtemp(path.join(tmpdir(), 'sutazai-storage-'));
  return {
    target: { kind: 'sqlite', file: path.join(directory, 'storage.db') },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
}

export function uniqueSchemaName(): string {
  return `t_storage_${randomBytes(6).toString('hex')}`;
}

export async function createPostgresFixture(schema = uniqueSchemaName()): Promise<StorageFixture> {
  return {
    target: { kind: 'postgres', url: postgresTestUrl, schema },
    dispose: () => dropSchema(schema),
  };
}

/** Runs one statement on its own connection, outside any pool under test. */
export async function runOnPostgres(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresTestUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await runOnPostgres(`drop schema if exists "${schema.replace(/"/g, '""')}" cascade`);
}
