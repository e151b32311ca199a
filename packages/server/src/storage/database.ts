/**
 * Opens the configured database: SQLite (better-sqlite3, WAL) by default, PostgreSQL at
 * scale. Both behind one Kysely instance so repositories are written once.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database as SQLiteDatabase } from 'better-sqlite3';
import type { DatabaseTarget } from '../config/load.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** A real round trip: `select 1`. */
  ping(): Promise<void>;
  /** Where it lives, passwords masked, for health and logs. */
  describe(): string;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /**
   * Bring the schema up to date (the default). `sutazai migrate --dry-run` reads without
   * changing it: nothing is created, not even a PostgreSQL `?schema=` that does not exist yet.
   */
  migrate?: boolean;
}

/** Plain SQL with positional parameters on this database, as the pgvector store takes it. */
export function sqlQuery(db: Kysely<Database>): (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> {
  return async (text, params = []) => ({ rows: (await db.executeQuery(CompiledQuery.raw(text, params))).rows as Record<string, unknown>[] });
}

export async function openStorage(target: DatabaseTarget, options: OpenStorageOptions = {}): Promise<Storage> {
  const storage = target.kind === 'sqlite' ? await openSqlite(target.file) : await openPostgres(target.url, target.schema, options.migrate !== false);
  if (options.migrate === false) return storage;
  try {
    await migrate(storage.db, target.kind === 'postgres' ? target.schema || await currentSchema(storage.db) : undefined);
  } catch (error) {
    // A pool left open would keep the process alive after a failed start.
    await storage.close().catch(() => undefined);
    throw error;
  }
  return storage;
}

async function openSqlite(file: string): Promise<Storage> {
  const { default: SQLite } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const releaseLock = file === ':memory:' ? () => undefined : lockDatabaseFile(file);
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  // SQLite's lower() folds ASCII only; search must match "École" for "é" as PostgreSQL does.
  connection.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      await sql`select 1`.execute(db);
    },
    describe: () => `SQLite ${file}`,
    async close() {
      await db.destroy();
      releaseLock();
    },
  };
}

/**
 * Kysely prepares every query anew, and better-sqlite3 compiles the SQL on each prepare():
 * a chat turn's few statements cost more to compile than to run. The same SQL text is the
 * same statement, so each is compiled once (the most recent few hundred are kept). Safe to
 * share: Kysely runs one query at a time on the connection, a streamed one included.
 */
function reusingStatements(connection: SQLiteDatabase, keep = 256): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => connection.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = connection.prepare(text);
        if (statements.size >= keep) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * One process owns an embedded database: it marks the replies it finds `generating` as
 * interrupted, which would break a second server's live replies. A lock file with the owner's
 * pid keeps a second process out; a lock left by a dead process is taken over.
 */
function lockDatabaseFile(file: string): () => void {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (owner === process.pid) return () => undefined;
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(`The database ${file} is in use by another SutazAI process (pid ${owner}). Stop that process, or give this one another DATA_DIR or DATABASE_URL.`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`Could not lock the database ${file}: remove ${lock} if no SutazAI process is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPostgres(url: string, schema: string | undefined, createSchema: boolean): Promise<Storage> {
  if (schema && !PLAIN_IDENTIFIER.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" is not a plain identifier. Fix: use letters, digits and underscores only, starting with a letter or underscore, at most 63 characters (for example ?schema=sutazai).`);
  }
  const { default: pg } = await import('pg');
  // int8 (bigint) comes back as a string by default; our bigints are epoch milliseconds, safe as
  // numbers. Set on this pool only: the process-wide parsers belong to every pg user.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    types,
    // Quoted, so a schema name with capitals is the same schema here and in `create schema`.
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // An idle client's error (the server restarted) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one's between two queries (in a transaction): the pool only listens to idle
  // clients. The client is then not queryable, its next query fails, and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  if (schema && createSchema) {
    try {
      await pool.query(`create schema if not exists "${schema}"`);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Host and path only: the password is never shown.
  const where = new URL(url);
  return {
    db,
    dialect: 'postgres',
    async ping() {
      await sql`select 1`.execute(db);
    },
    describe: () => `PostgreSQL ${where.host}${where.pathname}${schema ? ` schema ${schema}` : ''}`,
    close: () => db.destroy(),
  };
}

/** Safe to quote and to put in a connection option; PostgreSQL truncates names past 63 bytes. */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema unqualified tables are created in: the first existing one on search_path. */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return result.rows[0]?.schema ?? undefined;
}

/**
 * On PostgreSQL `schema` names where kysely's own tables live: without it kysely looks for
 * them in every schema of the database, finds another schema's, and then fails to read its
 * own through search_path.
 */
async function migrate(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
  }
}
