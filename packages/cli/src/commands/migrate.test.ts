/**
 * `sutazai migrate` from a real embedded installation (SQLite + usearch, made through the
 * server's API with the tiny model embedding) to the real PostgreSQL here, a fresh schema per
 * case, with the vectors in an embedded store of the target's DATA_DIR (this PostgreSQL has no
 * pgvector; `migrate-pgvector.test.ts` covers pgvector and Qdrant). The CLI runs as a process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../server/src/http/test-support/test-app.js';
import { createEmbeddedInstallation, installationEnv, SEARCH_QUERY, startChatModel, type EmbeddedInstallation } from '../../../server/src/migrate/test-support/embedded-installation.js';
import { postgresTestUrl, runOnPostgres } from '../../../server/src/storage/test-support/storage-fixtures.js';
import { openStorage } from '../../../server/src/storage/database.js';
import { createAccount } from '../../../server/src/storage/users-repository.js';
import { runMigrate, startMigrate, type MigrateRun } from './test-support/migrate-process.js';

type Report = {
  ok: boolean; resumed: boolean; already_complete: boolean; exit_code: number; copied_rows: number; copied_vectors: number;
  tables: { name: string; source_rows: number; target_rows: number; source_checksum: string; target_checksum: string; copied_now: number; status: string }[];
  vectors: { collection: string; source_vectors: number; target_vectors: number; source_checksum: string; target_checksum: string; copied_now: number; status: string }[];
};

describe('sutazai migrate: SQLite + usearch to PostgreSQL', { timeout: 60_000 }, () => {
  let upstream: Awaited<ReturnType<typeof startChatModel>>;
  let source: EmbeddedInstallation;
  const schemas: string[] = [];
  const folders: string[] = [];
  let firstReport: Report;

  beforeAll(async () => {
    upstream = await startChatModel();
    source = await createEmbeddedInstallation({ upstreamUrl: upstream.baseURL, conversationsPerAccount: 4 });
    folders.push(source.dir);
    // A reply holding a NUL, as SQLite kept it before the server dropped them: PostgreSQL cannot store one.
    const { default: SQLite } = await import('better-sqlite3');
    const sqlite = new SQLite(source.databaseFile);
    sqlite.prepare(`update messages set content = content || char(0) || ' (kept by an older version)' where role = 'assistant' and conversation_id = 'ada-1'`).run();
    sqlite.close();
  }, 60_000);
  afterAll(async () => {
    for (const schema of schemas) await runOnPostgres(`drop schema if exists "${schema}" cascade`);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    await upstream?.close();
  });

  const newSchema = () => {
    const schema = `t_migrate_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const newFolder = () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'sutazai-migrate-target-'));
    folders.push(folder);
    return folder;
  };
  const targetUrl = (schema: string) => `${postgresTestUrl}?schema=${schema}`;
  const migrate = (schema: string, targetDir: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', targetUrl(schema), '--json', ...extra], { VECTOR_STORE: 'embedded', DATA_DIR: path.join(targetDir, 'data'), ...env });
  const report = (run: MigrateRun): Report => {
    expect(run.stdout, run.stderr).toMatch(/^\{/);
    return JSON.parse(run.stdout) as Report;
  };
  const count = async (schema: string, table: string) => {
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    try {
      return Number((await client.query(`select count(*)::integer as n from "${schema}"."${table}"`)).rows[0].n);
    } finally {
      await client.end();
    }
  };

  it('copies every table and vector, verifies equal counts and checksums, and a server on the target serves the same data', async () => {
    const schema = newSchema();
    const targetDir = newFolder();
    const run = await migrate(schema, targetDir);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    firstReport = report(run);
    expect(firstReport).toMatchObject({ ok: true, resumed: false, exit_code: 0 });
    expect(firstReport.tables.map((table) => table.name)).toEqual(['users', 'settings', 'sessions', 'api_keys', 'conversations', 'messages', 'agents', 'agent_runs', 'knowledge_bases', 'knowledge_documents', 'knowledge_uploads', 'knowledge_chunks']);
    for (const table of firstReport.tables) {
      expect(table, table.name).toMatchObject({ status: 'equal', target_rows: table.source_rows, target_checksum: table.source_checksum, copied_now: table.source_rows });
    }
    const rows = Object.fromEntries(firstReport.tables.map((table) => [table.name, table.source_rows]));
    // The local owner every server makes, Ada and Bob; four chats each, two messages per chat.
    expect(rows).toMatchObject({ users: 3, conversations: 8, messages: 16, agents: 1, knowledge_bases: 1, knowledge_documents: 1, api_keys: 1, settings: 1 });
    expect(rows.knowledge_chunks).toBeGreaterThan(0);
    expect(firstReport.vectors).toEqual([expect.objectContaining({ collection: expect.stringContaining(source.knowledgeBaseId), status: 'equal', source_vectors: rows.knowledge_chunks, target_vectors: rows.knowledge_chunks })]);
    expect(firstReport.vectors[0]!.target_checksum).toBe(firstReport.vectors[0]!.source_checksum);
    expect(run.stderr).toContain('messages: 16 copied, done');
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    const kept = (await client.query(`select content from "${schema}".messages where role = 'assistant' and conversation_id = 'ada-1'`)).rows[0].content as string;
    await client.end();
    expect(kept).toMatch(/ \(kept by an older version\)$/);
    expect(kept).not.toContain('\0');

    // Again on the complete target (before a server writes to it): nothing copied, everything verified.
    const again = report(await migrate(schema, targetDir));
    expect(again).toMatchObject({ ok: true, already_complete: true, copied_rows: 0, copied_vectors: 0 });
    expect(again.tables.every((table) => table.status === 'equal' && table.copied_now === 0)).toBe(true);

    // A row changed on the target is found (exit 1), and the next run copies that table again.
    await runOnPostgres(`update "${schema}".messages set content = 'changed behind its back' where role = 'user' and conversation_id = 'ada-0'`);
    const changed = await migrate(schema, targetDir);
    expect(changed.code).toBe(1);
    const differing = report(changed);
    expect(differing.tables.filter((table) => table.status !== 'equal').map((table) => table.name)).toEqual(['messages']);
    expect(JSON.parse(changed.stdout).problems[0]).toMatch(/^1 of 13 differ after the copy \(messages\): .*run the same command again/);
    const mended = report(await migrate(schema, targetDir));
    expect(mended).toMatchObject({ ok: true, already_complete: false, copied_rows: 16 });
    expect(mended.tables.find((table) => table.name === 'messages')!.target_checksum).toBe(firstReport.tables.find((table) => table.name === 'messages')!.source_checksum);

    const target = await startTestApp({ realModel: true, dir: targetDir, env: { ...installationEnv(upstream.baseURL), DATABASE_URL: targetUrl(schema), VECTOR_STORE: 'embedded' } });
    try {
      const call = async (method: string, route: string, token?: string, payload?: object) => {
        const response = await target.app.inject({ method: method as 'GET', url: route, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${method} ${route}: ${response.body}`).toBeLessThan(300);
        return response.json();
      };
      expect(target.platform.storage.dialect).toBe('postgres');
      const adminToken = (await call('POST', '/api/v1/auth/login', undefined, source.admin)).token;
      const userToken = (await call('POST', '/api/v1/auth/login', undefined, source.user)).token;
      expect(await call('GET', '/api/v1/conversations?limit=100', adminToken)).toEqual(source.conversations.admin);
      expect(await call('GET', '/api/v1/conversations?limit=100', userToken)).toEqual(source.conversations.user);
      // The API key made on the embedded installation signs in on the target.
      expect(await call('GET', '/api/v1/auth/me', source.apiKey)).toMatchObject({ email: source.admin.email, role: 'admin' });
      const search = async (mode: string) => (await call('POST', `/api/v1/knowledge/${source.knowledgeBaseId}/search`, adminToken, { query: SEARCH_QUERY, mode, k: 3 })).results[0];
      const fulltext = await search('fulltext');
      expect(fulltext).toMatchObject({ chunk_id: source.search.fulltext.chunk_id, text: source.search.fulltext.text });
      expect(fulltext.text).toContain('twelve crowns');
      expect(await search('vector')).toMatchObject({ chunk_id: source.search.vector.chunk_id, scores: { vector_rank: 1 } });
    } finally {
      await target.close();
    }

  });

  it('resumes a run killed with SIGKILL mid-copy and ends with identical checksums', async () => {
    const schema = newSchema();
    const targetDir = newFolder();
    // Batches of two rows: the third batch of messages is written, then the process holds still and is killed.
    const tablesBefore = firstReport.tables.slice(0, firstReport.tables.findIndex((table) => table.name === 'messages'));
    const pauseAt = tablesBefore.reduce((sum, table) => sum + Math.ceil(table.source_rows / 2), 0) + 3;
    const killed = startMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', targetUrl(schema), '--batch-size', '2', '--json'],
      { VECTOR_STORE: 'embedded', DATA_DIR: path.join(targetDir, 'data'), SUTAZAI_MIGRATE_PAUSE_AFTER_BATCHES: String(pauseAt) });
    await killed.waitFor(`paused after batch ${pauseAt}`);
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const copiedBeforeKill = await count(schema, 'messages');
    expect(copiedBeforeKill).toBe(6);
    expect(await count(schema, 'knowledge_chunks')).toBe(0);

    const run = await migrate(schema, targetDir, ['--batch-size', '2']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const resumed = report(run);
    expect(resumed).toMatchObject({ ok: true, resumed: true });
    expect(resumed.tables.find((table) => table.name === 'messages')!.copied_now).toBe(16 - copiedBeforeKill);
    expect(resumed.tables.find((table) => table.name === 'users')!.copied_now).toBe(0);
    // The same data as the uninterrupted copy, table by table and vector by vector.
    expect(resumed.tables.map((table) => [table.name, table.target_rows, table.target_checksum])).toEqual(firstReport.tables.map((table) => [table.name, table.target_rows, table.target_checksum]));
    expect(resumed.vectors.map((collection) => collection.target_checksum)).toEqual(firstReport.vectors.map((collection) => collection.target_checksum));
  });

  it('refuses a target that holds another installation\'s accounts (exit 3), copying nothing', async () => {
    const schema = newSchema();
    const other = await openStorage({ kind: 'postgres', url: postgresTestUrl, schema });
    await createAccount(other.db, { id: 'usr_other_installation', email: 'eve@example.org', name: 'Eve', role: 'admin', passwordHash: 'x', disabled: false, now: Date.now() });
    await other.close();
    const run = await migrate(schema, newFolder());
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout) as { error: string };
    expect(error).toMatch(/^The target already holds data that is not in the source: users has a row \(id="usr_other_installation"\).*a server already running on the target.*Fix: stop any server using the target, then migrate into an empty database or a new schema/);
    expect(await count(schema, 'users')).toBe(1);
    expect(await count(schema, 'conversations')).toBe(0);
  });

  it('stops (exit 2) on a target schema holding another application\'s table, naming it, copying nothing', async () => {
    const schema = newSchema();
    await runOnPostgres(`create schema "${schema}"; create table "${schema}".spatial_ref_sys (srid integer primary key)`);
    const run = await migrate(schema, newFolder());
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout) as { error: string };
    expect(error).toMatch(/^--to: the target schema has a table that is not this SutazAI version's: spatial_ref_sys\. Fix: migrate into an empty database or a new schema/);
    expect(await count(schema, 'users')).toBe(0);
  });

  it('refuses VECTOR_STORE=pgvector on a PostgreSQL without the extension, before copying anything (exit 2)', async () => {
    const schema = newSchema();
    const run = await runMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', targetUrl(schema)], { VECTOR_STORE: 'pgvector' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/vector store \(pgvector in the target database\) cannot take the vectors, so nothing was copied: .*pgvector.*Fix: Install pgvector/);
    expect(await count(schema, 'users')).toBe(0);
  });

  it('plans with --dry-run without writing anything: no row, no schema, no vector store', async () => {
    const schema = newSchema();
    const targetDir = newFolder();
    const run = await migrate(schema, targetDir, ['--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    const plan = report(run);
    expect(plan.tables.find((table) => table.name === 'messages')).toMatchObject({ source_rows: 16, target_rows: 0, status: 'to copy' });
    const text = await runMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', targetUrl(schema), '--dry-run'], { VECTOR_STORE: 'embedded', DATA_DIR: path.join(newFolder(), 'data') });
    expect(text.stdout).toMatch(/^Dry run \(nothing written\): SQLite .*sutazai\.db → PostgreSQL .* schema t_migrate_/);
    expect(text.stdout).toMatch(/\n {2}messages +16 +[0-9a-f]{12} +0 +0{12} +0 +to copy\n/);
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    const schemas = (await client.query('select count(*)::integer as n from information_schema.schemata where schema_name = $1', [schema])).rows[0].n;
    await client.end();
    expect(schemas).toBe(0);
    expect(readdirSync(targetDir)).toEqual([]);
  });

  it('stops with one line naming the option to fix, and exit 2, on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['--from', 'mysql://root:s3cret@localhost/sutazai', '--to', postgresTestUrl], /^--from "mysql:\/\/root:\*\*\*\*@localhost\/sutazai" is not a SQLite URL\. Fix: /],
      [['--from', 'sqlite:/nowhere/sutazai.db', '--to', postgresTestUrl], /^--from: there is no SQLite database at \/nowhere\/sutazai\.db\. Fix: /],
      [['--from', `sqlite:${source.databaseFile}`, '--to', 'redis://127.0.0.1:6379'], /^--to "redis:\/\/127\.0\.0\.1:6379" is not a PostgreSQL URL\. Fix: --to postgres:\/\//],
      // A URL that does not parse still has its password masked.
      [['--from', `sqlite:${source.databaseFile}`, '--to', 'postgres://sutazai:s3cret@db:port/sutazai'], /^--to "postgres:\/\/sutazai:\*\*\*\*@db:port\/sutazai" is not a PostgreSQL URL\. Fix: /],
      [['--from', `sqlite:${source.databaseFile}`, '--to', 'postgres://postgres@127.0.0.1:1/test'], /^--to: nothing answers at 127\.0\.0\.1:1\/test\. Fix: check --to/],
      [['--from', `sqlite:${source.databaseFile}`, '--to', postgresTestUrl, '--data-dir', '/nowhere'], /^--data-dir: there is no folder \/nowhere\. Fix: /],
      [['--from', `sqlite:${source.databaseFile}`], /^sutazai migrate needs --from and --to/],
      [['--from', `sqlite:${source.databaseFile}`, '--to', postgresTestUrl, '--vector-store', 'faiss'], /^--vector-store faiss is not a vector store\. Fix: /],
    ];
    for (const [args, expected] of cases) {
      const run = await runMigrate(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(expected);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toContain('s3cret');
    }
  });
});
