/**
 * The one storage conformance suite. Each adapter's test file calls it inside its own
 * `describe`, so SQLite and PostgreSQL are held to the same promises.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../database.js';
import { ensureUser } from '../users-repository.js';
import { conversationCases } from './conversation-cases.js';
import { knowledgeCases } from './knowledge-cases.js';
import { listingCases } from './listing-cases.js';
import { messageCases } from './message-cases.js';
import type { StorageFixture } from './storage-fixtures.js';
import { T0, createOwner } from './storage-test-data.js';

export interface ConformanceOptions {
  dialect: Storage['dialect'];
  createFixture: () => Promise<StorageFixture>;
}

export interface ConformanceContext {
  /**
   * The storage, opened and migrated by the first test that asks and shared by the rest.
   * Opened inside the tests rather than in `beforeAll`, because vitest reports the tests
   * under a failed hook as skipped: a database that does not answer must fail every test.
   */
  storage(): Promise<Storage>;
  fixture(): Promise<StorageFixture>;
}

export function runStorageConformance(options: ConformanceOptions): ConformanceContext {
  let fixture: Promise<StorageFixture> | undefined;
  let storage: Promise<Storage> | undefined;
  const context: ConformanceContext = {
    fixture: () => (fixture ??= options.createFixture()),
    storage: () => (storage ??= context.fixture().then((created) => openStorage(created.target))),
  };

  afterAll(async () => {
    const opened = await storage?.catch(() => undefined);
    await opened?.close();
    const created = await fixture?.catch(() => undefined);
    // Cleaning up after a database that never opened would only repeat its error.
    if (opened) await created?.dispose();
    else await created?.dispose().catch(() => undefined);
  });

  describe('opening', () => {
    it(`reports the ${options.dialect} dialect and answers ping`, async () => {
      const storage = await context.storage();
      expect(storage.dialect).toBe(options.dialect);
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('records each migration once', async () => {
      expect(await migrationNames(await context.storage())).toEqual(['001-initial', '002-accounts', '003-agents', '004-knowledge']);
    });

    it('opens an already migrated database again without re-applying migrations or losing rows', async () => {
      const owner = await createOwner((await context.storage()).db);
      const again = await openStorage((await context.fixture()).target);
      try {
        expect(await migrationNames(again)).toEqual(['001-initial', '002-accounts', '003-agents', '004-knowledge']);
        const user = await again.db.selectFrom('users').select('id').where('id', '=', owner).executeTakeFirst();
        expect(user).toEqual({ id: owner });
      } finally {
        await again.close();
      }
    });
  });

  describe('users', () => {
    it('ensureUser is idempotent and keeps the first row', async () => {
      const { db } = await context.storage();
      const id = await createOwner(db);
      await ensureUser(db, { id, name: 'Renamed', role: 'admin', now: T0 + 5 });
      const rows = await db.selectFrom('users').selectAll().where('id', '=', id).execute();
      expect(rows).toEqual([{ id, email: null, name: 'Test user', role: 'user', password_hash: null, disabled: 0, created_at: T0, updated_at: T0 }]);
    });
  });

  describe('conversations', () => conversationCases(context));
  describe('messages', () => messageCases(context));
  describe('listing and search', () => listingCases(context));
  describe('knowledge and full-text search', () => knowledgeCases(context));

  return context;
}

async function migrationNames(storage: Storage): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.db);
  return result.rows.map((row) => row.name);
}
