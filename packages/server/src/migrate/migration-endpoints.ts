/**
 * The two ends of `sutazai migrate`: the embedded installation (its SQLite file and the usearch
 * store in its data folder) and the scale-out one (PostgreSQL, migrated to the current schema
 * by the server's own runner, with the vector store the server would choose for it). Every way
 * they can fail to open becomes a `MigrationError` naming the option to fix.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { databaseTarget, type DatabaseTarget } from '../config/load.js';
import { createEmbeddedVectorStore, createVectorStore, embeddedVectorDir, type VectorStoreConfig } from '../knowledge/vector-stores/index.js';
import type { VectorStore } from '../knowledge/vector-stores/vector-store.js';
import { openStorage, sqlQuery, type Storage } from '../storage/database.js';
import { MigrationError } from './migration-error.js';
import { maskUrl } from '../config/mask-url.js';

export interface Source {
  storage: Storage;
  file: string;
  dataDir: string;
  /** `<data dir>/vectors`, where the embedded store keeps `usearch.sqlite`. */
  vectorDir: string;
  /** Undefined when the data folder has no vector store (nothing was ever embedded there). */
  vectors: VectorStore | undefined;
}

export interface Target {
  storage: Storage;
  /** Undefined only in a dry run whose target is an embedded store not made yet: opening it would make it. */
  vectors: VectorStore | undefined;
  /** Where the vectors go, for the report. */
  vectorsDescription: string;
  /** The target's vector store is the source's own folder: the vectors stay where they are. */
  vectorsInPlace: boolean;
}

export interface MigrationEndpoints {
  source: Source;
  target: Target;
  close(): Promise<void>;
}

export interface OpenEndpointsOptions {
  /** `--from`: the SQLite database, as DATABASE_URL names one (`sqlite:<path>`). */
  from: string;
  /** `--data-dir`: the embedded installation's DATA_DIR; default the SQLite file's folder. */
  dataDir?: string;
  /** The target as a server would be configured for it: `database` from `--to`, VECTOR_STORE, QDRANT_URL, DATA_DIR. */
  target: VectorStoreConfig;
  cwd: string;
  /** Read only: neither database is migrated. */
  dryRun: boolean;
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

const FROM_EXAMPLE = 'sqlite:./data/sutazai.db';
const TO_EXAMPLE = 'postgres://user:pass@host:5432/sutazai (optionally ?schema=name)';

/** `--from` as a SQLite file that exists. */
export function sourceDatabaseFile(from: string, cwd: string): string {
  if (/^postgres(ql)?:\/\//i.test(from)) {
    throw new MigrationError('input', `--from ${maskUrl(from)} is PostgreSQL; migrate copies an embedded installation (SQLite) to PostgreSQL.`, `give --from the embedded installation's SQLite file, e.g. --from ${FROM_EXAMPLE}.`);
  }
  if (!/^sqlite:/i.test(from)) {
    throw new MigrationError('input', `--from ${JSON.stringify(maskUrl(from))} is not a SQLite URL.`, `write it as DATABASE_URL names a SQLite file: --from ${FROM_EXAMPLE} (or sqlite:///absolute/path/sutazai.db).`);
  }
  const target = databaseTarget(from, cwd, cwd) as Extract<DatabaseTarget, { kind: 'sqlite' }>;
  if (target.file === ':memory:') throw new MigrationError('input', '--from sqlite::memory: holds no installation.', `point --from at the SQLite file, e.g. --from ${FROM_EXAMPLE}.`);
  if (!existsSync(target.file)) {
    throw new MigrationError('input', `--from: there is no SQLite database at ${target.file}.`, `point --from at the embedded installation's file (DATA_DIR/sutazai.db unless DATABASE_URL names another), e.g. --from ${FROM_EXAMPLE}.`);
  }
  if (!statSync(target.file).isFile()) throw new MigrationError('input', `--from: ${target.file} is a folder, not a SQLite file.`, `add the file name, e.g. --from sqlite:${path.join(target.file, 'sutazai.db')}.`);
  return target.file;
}

/** `--to` as a PostgreSQL target. */
export function targetDatabase(to: string, cwd: string): Extract<DatabaseTarget, { kind: 'postgres' }> {
  if (/^sqlite:/i.test(to)) {
    throw new MigrationError('input', `--to ${to} is SQLite; migrate copies to PostgreSQL.`, `give --to a PostgreSQL URL: --to ${TO_EXAMPLE}.`);
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(to);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^postgres(ql)?:$/i.test(parsed.protocol) || !parsed.hostname) {
    throw new MigrationError('input', `--to ${JSON.stringify(maskUrl(to))} is not a PostgreSQL URL.`, `--to ${TO_EXAMPLE}.`);
  }
  return databaseTarget(to, cwd, cwd) as Extract<DatabaseTarget, { kind: 'postgres' }>;
}

export async function openEndpoints(options: OpenEndpointsOptions): Promise<MigrationEndpoints> {
  const file = sourceDatabaseFile(options.from, options.cwd);
  const dataDir = path.resolve(options.cwd, options.dataDir ?? path.dirname(file));
  if (options.dataDir !== undefined && !(existsSync(dataDir) && statSync(dataDir).isDirectory())) {
    throw new MigrationError('input', `--data-dir: there is no folder ${dataDir}.`, 'give --data-dir the embedded installation\'s DATA_DIR (the folder with vectors/ in it), or leave it out to use the SQLite file\'s folder.');
  }
  if (options.target.database.kind !== 'postgres') throw new MigrationError('input', '--to must be PostgreSQL.', `--to ${TO_EXAMPLE}.`);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const sourceStorage = await openSource(file, options.dryRun);
    closers.push(() => sourceStorage.close());
    const vectorDir = embeddedVectorDir({ dataDir });
    // Only an existing store is opened: opening makes the folder and the sidecar.
    const sourceVectors = existsSync(path.join(vectorDir, 'usearch.sqlite')) ? createEmbeddedVectorStore({ dir: vectorDir }) : undefined;
    if (sourceVectors) closers.push(() => sourceVectors.close());

    const targetStorage = await openTarget(options.target.database, options.dryRun);
    closers.push(() => targetStorage.close());
    const embeddedTarget = options.target.VECTOR_STORE === 'embedded';
    const inPlace = embeddedTarget && path.resolve(embeddedVectorDir(options.target)) === path.resolve(vectorDir);
    let targetVectors: VectorStore | undefined;
    if (inPlace && sourceVectors) targetVectors = sourceVectors;
    else if (!(options.dryRun && embeddedTarget && !existsSync(path.join(embeddedVectorDir(options.target), 'usearch.sqlite')))) {
      const opened = createVectorStore(options.target, {
        fetch: options.fetch ?? ((url, init) => fetch(url, init)),
        query: sqlQuery(targetStorage.db),
      });
      closers.push(() => opened.close());
      targetVectors = opened;
    }
    const vectorsDescription = options.target.VECTOR_STORE === 'embedded' ? `embedded (usearch) in ${embeddedVectorDir(options.target)}`
      : options.target.VECTOR_STORE === 'qdrant' ? `qdrant at ${options.target.QDRANT_URL}` : 'pgvector in the target database';
    return {
      source: { storage: sourceStorage, file, dataDir, vectorDir, vectors: sourceVectors },
      target: { storage: targetStorage, vectors: targetVectors, vectorsDescription, vectorsInPlace: inPlace },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openSource(file: string, dryRun: boolean): Promise<Storage> {
  try {
    // Migrated as a server start would: the copy reads the current schema on both sides.
    return await openStorage({ kind: 'sqlite', file }, { migrate: !dryRun });
  } catch (error) {
    const message = (error as Error).message;
    if (/in use by another SutazAI process/.test(message)) {
      throw new MigrationError('input', `--from: ${message.split('. ')[0]}.`, 'stop the server of the embedded installation first: the copy must read data that does not change while it runs.', { cause: error });
    }
    throw new MigrationError('input', `--from: ${file} could not be opened as a SutazAI database: ${firstLine(message)}.`, 'point --from at the SQLite file of an embedded installation (DATA_DIR/sutazai.db).', { cause: error });
  }
}

async function openTarget(target: Extract<DatabaseTarget, { kind: 'postgres' }>, dryRun: boolean): Promise<Storage> {
  const where = describePostgres(target);
  try {
    return await openStorage(target, { migrate: !dryRun });
  } catch (error) {
    const code = (error as { code?: string }).code ?? ((error as { cause?: { code?: string } }).cause?.code);
    const message = firstLine((error as Error).message);
    const fix = `check --to (${TO_EXAMPLE}) and that PostgreSQL runs there and accepts this user.`;
    if (code === 'ECONNREFUSED') throw new MigrationError('input', `--to: nothing answers at ${where}.`, fix, { cause: error });
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new MigrationError('input', `--to: the host of ${where} does not resolve.`, fix, { cause: error });
    if (code === '28P01' || code === '28000') throw new MigrationError('input', `--to: PostgreSQL at ${where} refused the user or password (${message}).`, fix, { cause: error });
    if (code === '3D000') throw new MigrationError('input', `--to: ${message} at ${where}.`, 'create the database first (createdb, or create database ... as an administrator), or name an existing one in --to.', { cause: error });
    if (/timeout|timed out|ETIMEDOUT/i.test(`${code} ${message}`)) throw new MigrationError('input', `--to: PostgreSQL at ${where} did not answer within 5 seconds.`, fix, { cause: error });
    if (/migration/i.test(message)) throw new MigrationError('input', `--to: the schema could not be brought up to date at ${where}: ${message}.`, 'give the user in --to the right to create tables in that database and schema.', { cause: error });
    throw new MigrationError('input', `--to: PostgreSQL at ${where} could not be opened: ${message}.`, fix, { cause: error });
  }
}

function describePostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): string {
  const url = new URL(target.url);
  return `${url.hostname}:${url.port || 5432}${url.pathname}${target.schema ? ` (schema ${target.schema})` : ''}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/\.$/, '');
}
