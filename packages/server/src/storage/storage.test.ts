import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { listConversations } from './conversations-repository.js';
import { openStorage } from './database.js';
import { createPostgresFixture, createSqliteFixture, postgresTestUrl, runOnPostgres, uniqueSchemaName } from './test-support/storage-fixtures.js';
import { runStorageConformance } from './test-support/storage-conformance.js';
import { T0, createConversationFor, createOwner } from './test-support/storage-test-data.js';

describe('SQLite storage', () => {
  const context = runStorageConformance({ dialect: 'sqlite', createFixture: createSqliteFixture });

  it('runs in WAL mode with foreign keys enforced', async () => {
    const { db } = await context.storage();
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    expect(journal.rows).toEqual([{ journal_mode: 'wal' }]);
    expect(foreignKeys.rows).toEqual([{ foreign_keys: 1 }]);
  });
});

// Runs against the real server: when PostgreSQL is down these tests fail, they never skip.
describe('PostgreSQL storage', () => {
  const context = runStorageConformance({ dialect: 'postgres', createFixture: createPostgresFixture });

  it('migrates a second schema of the same database, whose tables have the same names', async () => {
    const fixture = await createPostgresFixture();
    try {
      const storage = await openStorage(fixture.target);
      try {
        const owner = await createOwner(storage.db);
        await createConversationFor(storage.db, owner, 'c1');
        expect(await storage.db.selectFrom('conversations').select('id').execute()).toEqual([{ id: 'c1' }]);
      } finally {
        await storage.close();
      }
    } finally {
      await fixture.dispose();
    }
  });

  it('migrates into the search_path schema when no schema is configured, though other schemas hold migration tables', async () => {
    const schema = uniqueSchemaName();
    await runOnPostgres(`create schema ${schema}`);
    const url = new URL(postgresTestUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    try {
      const storage = await openStorage({ kind: 'postgres', url: url.toString(), schema: undefined });
      try {
        const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(storage.db);
        expect(tables.rows.map((row) => row.name)).toEqual(['agent_runs', 'agents', 'api_keys', 'conversations', 'knowledge_bases', 'knowledge_chunks', 'knowledge_documents', 'knowledge_uploads', 'kysely_migration', 'kysely_migration_lock', 'messages', 'sessions', 'settings', 'users']);
      } finally {
        await storage.close();
      }
    } finally {
      await runOnPostgres(`drop schema ${schema} cascade`);
    }
  });

  it('names the migration that failed and can be opened again once the cause is gone', async () => {
    const fixture = await createPostgresFixture();
    const schema = fixture.target.kind === 'postgres' ? fixture.target.schema : undefined;
    try {
      await runOnPostgres(`create schema ${schema}; create table ${schema}.users (unrelated text)`);
      await expect(openStorage(fixture.target)).rejects.toThrow(/Database migration 001-initial failed/);
      await runOnPostgres(`drop table ${schema}.users`);
      const storage = await openStorage(fixture.target);
      await storage.close();
    } finally {
      await fixture.dispose();
    }
  });

  it('keeps the exact case of a schema name', async () => {
    const fixture = await createPostgresFixture(uniqueSchemaName().replace('t_storage', 'T_Storage'));
    try {
      const storage = await openStorage(fixture.target);
      try {
        const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(storage.db);
        expect(result.rows).toEqual([{ schema: fixture.target.kind === 'postgres' ? fixture.target.schema : '' }]);
      } finally {
        await storage.close();
      }
    } finally {
      await fixture.dispose();
    }
  });

  it('rejects a schema name that is not a plain identifier, naming it', async () => {
    await expect(openStorage({ kind: 'postgres', url: postgresTestUrl, schema: 'bad name; drop' })).rejects.toThrow(/bad name; drop/);
  });

  it('searches with literal wildcards when standard_conforming_strings is off', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1', 'back\\slash', T0);
    await createConversationFor(db, owner, 'c2', '100% sure', T0 + 1);
    await createConversationFor(db, owner, 'c3', 'plain', T0 + 2);
    const titles = await db.connection().execute(async (connection) => {
      await sql`set standard_conforming_strings = off`.execute(connection);
      try {
        const search = async (q: string) => (await listConversations(connection, owner, { limit: 10, q })).items.map((c) => c.title);
        return [await search('\\'), await search('%')];
      } finally {
        await sql`reset standard_conforming_strings`.execute(connection);
      }
    });
    expect(titles).toEqual([['back\\slash'], ['100% sure']]);
  });

  it('parses bigint columns as numbers without changing the process-wide pg parsers', async () => {
    const { db } = await context.storage();
    const result = await sql<{ value: number }>`select cast(${String(T0)} as bigint) as value`.execute(db);
    expect(result.rows).toEqual([{ value: T0 }]);
    expect(pg.types.getTypeParser(pg.types.builtins.INT8)(String(T0))).toBe(String(T0));
  });
});
