/**
 * `sutazai migrate` with the vectors going to the scale-out stores. The PostgreSQL here has no
 * pgvector, so the pgvector case migrates the whole installation by URL to PGlite with the real
 * pgvector extension, served over the PostgreSQL wire protocol by pglite-socket; the Qdrant
 * case keeps the tables on the real PostgreSQL and sends the vectors to the protocol-faithful
 * Qdrant test server. In both a server started on the target finds the same passages.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../server/src/http/test-support/test-app.js';
import { startQdrantTestServer } from '../../../server/src/knowledge/vector-stores/test-support/qdrant-test-server.js';
import { createEmbeddedInstallation, installationEnv, SEARCH_QUERY, startChatModel, type EmbeddedInstallation } from '../../../server/src/migrate/test-support/embedded-installation.js';
import { postgresTestUrl, runOnPostgres } from '../../../server/src/storage/test-support/storage-fixtures.js';
import { runMigrate, type MigrateRun } from './test-support/migrate-process.js';

type Report = {
  ok: boolean; already_complete: boolean;
  tables: { name: string; status: string; source_rows: number }[];
  vectors: { collection: string; source_vectors: number; target_vectors: number; source_checksum: string; target_checksum: string; status: string }[];
};

describe('sutazai migrate: vectors to pgvector and to Qdrant', { timeout: 60_000 }, () => {
  let upstream: Awaited<ReturnType<typeof startChatModel>>;
  let source: EmbeddedInstallation;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    upstream = await startChatModel();
    source = await createEmbeddedInstallation({ upstreamUrl: upstream.baseURL, conversationsPerAccount: 2 });
    cleanups.push(async () => rmSync(source.dir, { recursive: true, force: true }));
  }, 60_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await upstream?.close();
  });

  const report = (run: MigrateRun): Report => {
    expect(run.code, run.stderr + run.stdout).toBe(0);
    return JSON.parse(run.stdout) as Report;
  };
  const folder = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-migrate-target-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  /** Logs in on a server started on the target and runs both searches as the source did. */
  async function searchOnTarget(env: Record<string, string>): Promise<void> {
    const target = await startTestApp({ realModel: true, dir: folder(), env: { ...installationEnv(upstream.baseURL), ...env } });
    try {
      const login = await target.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: source.admin });
      const headers = { authorization: `Bearer ${login.json().token}` };
      expect((await target.app.inject({ method: 'GET', url: '/api/v1/conversations?limit=100', headers })).json()).toEqual(source.conversations.admin);
      const search = async (mode: string) => {
        const response = await target.app.inject({ method: 'POST', url: `/api/v1/knowledge/${source.knowledgeBaseId}/search`, headers, payload: { query: SEARCH_QUERY, mode, k: 3 } });
        expect(response.statusCode, response.body).toBe(200);
        return response.json();
      };
      const byVector = await search('vector');
      expect(byVector.diagnostics).toEqual([]);
      expect(byVector.results[0]).toMatchObject({ chunk_id: source.search.vector.chunk_id, scores: { vector_rank: 1 } });
      expect((await search('fulltext')).results[0]).toMatchObject({ chunk_id: source.search.fulltext.chunk_id });
    } finally {
      await target.close();
    }
  }

  it('migrates the whole installation by URL to PostgreSQL with pgvector (PGlite over the wire protocol)', async () => {
    const database = await PGlite.create({ extensions: { vector } });
    const server = new PGLiteSocketServer({ db: database, port: 0, maxConnections: 20 });
    await server.start();
    cleanups.push(async () => {
      await server.stop();
      await database.close();
    });
    const url = `postgres://postgres@127.0.0.1:${(server as unknown as { port: number }).port}/postgres`;
    const migrated = report(await runMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', url, '--json'], { VECTOR_STORE: 'pgvector' }));
    expect(migrated.ok).toBe(true);
    expect(migrated.tables.every((table) => table.status === 'equal')).toBe(true);
    const [collection] = migrated.vectors;
    expect(collection).toMatchObject({ status: 'equal', target_vectors: collection!.source_vectors, target_checksum: collection!.source_checksum });
    expect(collection!.source_vectors).toBeGreaterThan(0);
    const tables = await database.query<{ n: number }>(`select count(*)::integer as n from pg_tables where tablename like 'sutazai_vectors_%'`);
    expect(tables.rows[0]!.n).toBe(1);

    await searchOnTarget({ DATABASE_URL: url, VECTOR_STORE: 'pgvector' });
  });

  it('copies the tables to the real PostgreSQL and the vectors to Qdrant', async () => {
    const qdrant = await startQdrantTestServer();
    cleanups.push(() => qdrant.close());
    const schema = `t_migrate_${randomBytes(5).toString('hex')}`;
    cleanups.push(() => runOnPostgres(`drop schema if exists "${schema}" cascade`));
    const url = `${postgresTestUrl}?schema=${schema}`;
    const migrated = report(await runMigrate(['--from', `sqlite:${source.databaseFile}`, '--to', url, '--vector-store', 'qdrant', '--qdrant-url', qdrant.url, '--json']));
    expect(migrated.ok).toBe(true);
    expect(migrated.vectors).toEqual([expect.objectContaining({ status: 'equal', source_vectors: expect.any(Number) })]);
    expect([...qdrant.collections.values()].map((collection) => collection.points.size)).toEqual([migrated.vectors[0]!.source_vectors]);

    await searchOnTarget({ DATABASE_URL: url, VECTOR_STORE: 'qdrant', QDRANT_URL: qdrant.url });
  });
});
