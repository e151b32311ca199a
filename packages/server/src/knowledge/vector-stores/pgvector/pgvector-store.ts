/**
 * PostgreSQL + pgvector. One table per collection (`sutazai_vectors_<slug>_<hash>`, in the
 * connection's current schema) with `embedding vector(N)`, an HNSW index with
 * `vector_cosine_ops` and a b-tree on `document_id`. A table per collection rather than one
 * table with a collection column: an HNSW index needs one fixed dimension per column, and
 * dropping a knowledge base's vectors is then a `drop table`.
 *
 * It speaks SQL through one function, `query(sql, params)`, so the platform's `pg.Pool` and
 * PGlite (real pgvector in-process, in the tests) run the very same statements. Without a
 * session of its own, per-query settings go through `sutazai_vector_search(...)`, a plpgsql
 * function that sets `hnsw.ef_search` for its statement only (at least k, or the index
 * would return fewer than k rows). Searches filtered by document skip the index and rank
 * the filtered rows exactly (with the b-tree), so a filter never starves k.
 *
 * The extension may live in another schema than the tables (installed once by an
 * administrator into `public`, tables in `?schema=...`): its type, operator and operator
 * class are always named with their schema.
 */
import { safeCollectionName } from '../collection-names.js';
import { checkCollectionName, checkDimensions, checkScan, checkSearchShape, checkedRecords, checkedSearch } from '../vector-checks.js';
import type { VectorMatch, VectorStore } from '../vector-store.js';
import { VectorStoreError, collectionNotFound, dimensionsMismatch } from '../vector-store-error.js';

/** Runs one statement with `$1`-style parameters: `(sql, params) => pool.query(sql, params)`, or PGlite's `query`. */
export type SqlQuery = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export interface PgVectorStoreOptions {
  query: SqlQuery;
  /** HNSW candidates per search (`hnsw.ef_search`), raised to k when k is larger. */
  efSearch?: number;
  /** HNSW build parameters. */
  m?: number;
  efConstruction?: number;
}

/** pgvector's HNSW indexes `vector` columns of at most this many dimensions. */
const HNSW_MAX_DIMENSIONS = 2000;
const TABLE_PREFIX = 'sutazai_vectors_';
const BATCH = 1000;

interface Extension {
  schema: string;
  version: string;
}

interface Collection {
  table: string;
  dimensions: number;
}

const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function createPgVectorStore(options: PgVectorStoreOptions): VectorStore {
  const { query, efSearch = 100, m = 16, efConstruction = 64 } = options;
  const collections = new Map<string, Collection>();
  let extension: Promise<Extension> | undefined;
  let searchFunction: Promise<void> | undefined;

  async function run(sql: string, params: unknown[] = [], action = 'run a statement'): Promise<Record<string, unknown>[]> {
    try {
      return (await query(sql, params)).rows;
    } catch (error) {
      throw failure(action, error);
    }
  }

  function failure(action: string, error: unknown): VectorStoreError {
    if (error instanceof VectorStoreError) return error;
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    // SQLSTATE class 08: connection exceptions; 57P: shutting down; 53: out of resources. E...: Node's socket errors.
    const unavailable = /^(08|57P|53)/.test(code ?? '') || /^E[A-Z]+$/.test(code ?? '') || /timeout|terminated|connect/i.test(message);
    return new VectorStoreError(unavailable ? 'VECTOR_STORE_UNAVAILABLE' : 'VECTOR_STORE_FAILED', `PostgreSQL could not ${action}: ${message}`, {
      cause: error,
      ...(unavailable ? { hint: 'Check DATABASE_URL and that PostgreSQL runs; GET /health/detailed shows it.' } : {}),
    });
  }

  async function findExtension(): Promise<Extension | undefined> {
    const [row] = await run(
      `select n.nspname as schema, e.extversion as version from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'`,
      [], 'look for the pgvector extension');
    return row ? { schema: String(row.schema), version: String(row.version) } : undefined;
  }

  function vectorExtension(): Promise<Extension> {
    extension ??= (async () => {
      const found = await findExtension();
      if (found) return found;
      try {
        await query('create extension if not exists vector', []);
      } catch (error) {
        throw new VectorStoreError('VECTOR_STORE_UNAVAILABLE', `PostgreSQL has no pgvector extension, and it could not be created: ${(error as Error).message}`, {
          cause: error,
          retryable: false,
          hint: 'Install pgvector on the database server (the postgresql-<version>-pgvector package, or the pgvector/pgvector image) and run `create extension vector;` once as a superuser; or set VECTOR_STORE=embedded.',
        });
      }
      const created = await findExtension();
      if (!created) throw new VectorStoreError('VECTOR_STORE_UNAVAILABLE', 'The pgvector extension was created but cannot be found.', { retryable: false });
      return created;
    })();
    extension.catch(() => (extension = undefined));
    return extension;
  }

  /** The extension's names, schema-qualified so a search_path without it still finds them. */
  function names(found: Extension) {
    const schema = identifier(found.schema);
    return { vector: (dimensions?: number) => `${schema}.vector${dimensions ? `(${dimensions})` : ''}`, distance: `operator(${schema}.<=>)`, cosineOps: `${schema}.vector_cosine_ops` };
  }

  function tableOf(name: string): string {
    return safeCollectionName(name, { prefix: TABLE_PREFIX, maxLength: 53 });
  }

  /** The collection's table and dimensions, from the catalogue (another replica may have made it). */
  async function describe(name: string): Promise<Collection | undefined> {
    const cached = collections.get(name);
    if (cached) return cached;
    const table = tableOf(name);
    const [row] = await run(
      `select format_type(a.atttypid, a.atttypmod) as type from pg_attribute a where a.attrelid = to_regclass($1) and a.attname = 'embedding' and not a.attisdropped`,
      [identifier(table)], `read the collection "${name}"`);
    if (!row) return undefined;
    const dimensions = Number(/\((\d+)\)/.exec(String(row.type))?.[1]);
    if (!Number.isInteger(dimensions)) throw new VectorStoreError('VECTOR_STORE_FAILED', `The table ${table} has an embedding column of type ${String(row.type)}; it was not made by SutazAI.`);
    const found = { table, dimensions };
    collections.set(name, found);
    return found;
  }

  /** A table dropped by another replica: forget it, and let the caller treat it as missing. */
  async function orMissing<T>(name: string, action: () => Promise<T>, missing: () => T): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const cause = error instanceof VectorStoreError ? error.cause : error;
      if ((cause as { code?: string } | undefined)?.code !== '42P01') throw error;
      collections.delete(name);
      return missing();
    }
  }

  function ensureSearchFunction(found: Extension): Promise<void> {
    const { vector, distance } = names(found);
    searchFunction ??= run(`do $sutazai$ begin
      perform pg_advisory_xact_lock(hashtext('sutazai_vector_search'));
      create or replace function sutazai_vector_search(collection regclass, query_vector text, k integer, ef_search integer)
        returns table (id text, document_id text, distance double precision) language plpgsql as $function$
      begin
        -- Local to the statement's transaction: a pooled connection keeps its own setting.
        perform set_config('hnsw.ef_search', ef_search::text, true);
        return query execute format('${`select id, document_id, (embedding ${distance} $1::${vector()})::double precision from %s order by embedding ${distance} $1::${vector()} limit $2`.replaceAll("'", "''")}',
          collection) using query_vector, k;
      end $function$;
    end $sutazai$`, [], 'create the search function').then(() => undefined);
    searchFunction.catch(() => (searchFunction = undefined));
    return searchFunction;
  }

  const literal = (vector: Float32Array) => JSON.stringify(Array.from(vector));

  return {
    kind: 'pgvector',

    async ensureCollection({ name, dimensions }) {
      checkCollectionName(name);
      checkDimensions(dimensions);
      const found = await vectorExtension();
      const existing = await describe(name);
      if (!existing) {
        const table = identifier(tableOf(name));
        const { vector, cosineOps } = names(found);
        // One DO block is one transaction: the advisory lock keeps replicas from racing on the same table.
        await run(`do $sutazai$ begin
          perform pg_advisory_xact_lock(hashtext('sutazai_vectors'), hashtext(${`'${tableOf(name)}'`}));
          create table if not exists ${table} (id text primary key, document_id text not null, embedding ${vector(dimensions)} not null);
          create index if not exists ${identifier(`${tableOf(name)}_document`)} on ${table} (document_id);
          ${dimensions <= HNSW_MAX_DIMENSIONS ? `create index if not exists ${identifier(`${tableOf(name)}_embedding`)} on ${table} using hnsw (embedding ${cosineOps}) with (m = ${m}, ef_construction = ${efConstruction});` : ''}
        end $sutazai$`, [], `create the collection "${name}"`);
      }
      const created = await describe(name);
      if (!created) throw new VectorStoreError('VECTOR_STORE_FAILED', `The collection "${name}" was created but its table cannot be found; check the connection's search_path.`);
      if (created.dimensions !== dimensions) throw dimensionsMismatch(name, created.dimensions, dimensions, 'The requested collection');
      await ensureSearchFunction(found);
    },

    async upsert(name, records) {
      checkCollectionName(name);
      const target = await describe(name);
      if (!target) throw collectionNotFound(name);
      const checked = checkedRecords(records, target.dimensions, name);
      if (checked.length === 0) return;
      const { vector } = names(await vectorExtension());
      await orMissing(name, async () => {
        for (let start = 0; start < checked.length; start += BATCH) {
          const batch = checked.slice(start, start + BATCH);
          await run(
            `insert into ${identifier(target.table)} (id, document_id, embedding)
             select r.id, r.document_id, r.embedding::${vector()} from unnest($1::text[], $2::text[], $3::text[]) as r (id, document_id, embedding)
             on conflict (id) do update set document_id = excluded.document_id, embedding = excluded.embedding`,
            [batch.map((record) => record.id), batch.map((record) => record.documentId), batch.map((record) => literal(record.vector))],
            `write to "${name}"`);
        }
      }, () => {
        throw collectionNotFound(name);
      });
    },

    async search(name, search) {
      checkCollectionName(name);
      const target = await describe(name);
      if (!target) {
        checkSearchShape(search);
        return [];
      }
      const { vector: queryVector, k, documentIds } = checkedSearch(search, target.dimensions, name);
      if (k === 0 || documentIds?.length === 0) return [];
      const found = await vectorExtension();
      const { vector, distance } = names(found);
      const rows = await orMissing(name, async () => {
        if (documentIds) {
          // Materialized: ranks exactly the rows of these documents instead of asking the index.
          return run(
            `with candidates as materialized (select id, document_id, embedding from ${identifier(target.table)} where document_id = any($3::text[]))
             select id, document_id, (embedding ${distance} $1::${vector()})::double precision as distance from candidates order by distance limit $2`,
            [literal(queryVector), k, documentIds], `search "${name}"`);
        }
        await ensureSearchFunction(found);
        return run('select id, document_id, distance from sutazai_vector_search($1::regclass, $2, $3, $4)',
          [identifier(target.table), literal(queryVector), k, Math.min(1000, Math.max(efSearch, k))], `search "${name}"`);
      }, () => []);
      return rows.map((row): VectorMatch => ({ id: String(row.id), documentId: String(row.document_id), score: 1 - Number(row.distance) }));
    },

    async deleteDocument(name, documentId) {
      checkCollectionName(name);
      const target = await describe(name);
      if (!target) return;
      await orMissing(name, () => run(`delete from ${identifier(target.table)} where document_id = $1`, [documentId], `delete from "${name}"`), () => []);
    },

    async dropCollection(name) {
      checkCollectionName(name);
      collections.delete(name);
      await run(`drop table if exists ${identifier(tableOf(name))}`, [], `drop "${name}"`);
    },

    async count(name) {
      checkCollectionName(name);
      const target = await describe(name);
      if (!target) return 0;
      const rows = await orMissing(name, () => run(`select count(*)::integer as n from ${identifier(target.table)}`, [], `count "${name}"`), () => [{ n: 0 }]);
      return Number(rows[0]?.n ?? 0);
    },

    async scan(name, options) {
      checkCollectionName(name);
      checkScan(options);
      const target = await describe(name);
      if (!target) return { records: [] };
      // By the primary key: the index gives the order, and the last id is where the next page starts.
      const rows = await orMissing(name, () => run(
        `select id, document_id, embedding::text as embedding from ${identifier(target.table)} where $1::text is null or id > $1 order by id limit $2`,
        [options.cursor ?? null, options.limit], `read "${name}"`), () => []);
      const records = rows.map((row) => ({ id: String(row.id), documentId: String(row.document_id), vector: Float32Array.from(JSON.parse(String(row.embedding)) as number[]) }));
      return rows.length < options.limit ? { records } : { records, cursor: records.at(-1)!.id };
    },

    async probe() {
      const started = performance.now();
      try {
        const found = await findExtension();
        if (!found) {
          return {
            status: 'down', latencyMs: performance.now() - started, detail: 'PostgreSQL answers, but the pgvector extension is not installed.',
            hint: 'Install pgvector on the database server and run `create extension vector;` once as a superuser; or set VECTOR_STORE=embedded.',
          };
        }
        return { status: 'healthy', latencyMs: performance.now() - started, detail: `pgvector ${found.version} (schema ${found.schema})` };
      } catch (error) {
        return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: 'Check DATABASE_URL and that PostgreSQL runs.' };
      }
    },

    async close() {
      // The query function belongs to the caller (the platform's pool), who closes it.
      collections.clear();
    },
  };
}
