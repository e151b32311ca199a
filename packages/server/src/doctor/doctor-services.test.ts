/**
 * The doctor against the real PostgreSQL, Redis and RabbitMQ on this machine, each wired
 * right and wrong, and the embedded SQLite file. PostgreSQL here trusts every local
 * connection, so a wrong password cannot be refused; a role that does not exist and a
 * database that does not exist stand in for bad credentials.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdBrokerLock } from '../events/queue/test-support/broker-lock.js';
import { amqpTestUrl, rabbitMqSkipReason } from '../events/queue/test-support/rabbitmq-fixture.js';
import { configKeys } from '../config/schema.js';
import { postgresTestUrl } from '../storage/test-support/storage-fixtures.js';
import { checkNamed, closedPort, diagnose, problemCodes, testResolver } from './test-support/doctor-fixtures.js';

const postgres = new URL(postgresTestUrl);
const withPostgres = (change: (url: URL) => void): string => {
  const url = new URL(postgres.href);
  change(url);
  return url.href;
};

describe('PostgreSQL (DATABASE_URL)', () => {
  it('signs in and reports the version, each step timed', async () => {
    const check = checkNamed(await diagnose({ DATABASE_URL: postgresTestUrl }), 'database');
    expect(check).toMatchObject({ status: 'ok', kind: 'postgres', problems: [] });
    expect(check.version).toMatch(/^PostgreSQL \d+/);
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([['resolve', true], ['connect', true], ['handshake', true], ['authenticate', true], ['version', true]]);
    expect(check.latency_ms).toBeGreaterThan(0);
  });

  it('recognises a role that does not exist as bad credentials', async () => {
    const check = checkNamed(await diagnose({ DATABASE_URL: withPostgres((url) => { url.username = 'no_such_role'; url.password = 'secret'; }) }), 'database');
    expect(check.target).toContain('no_such_role:****@');
    expect(check.steps.find((step) => step.step === 'authenticate')).toMatchObject({ ok: false, detail: 'role "no_such_role" does not exist (SQLSTATE 28000)' });
    expect(problemCodes(check)).toEqual(['BAD_CREDENTIALS']);
    expect(check.problems[0]!.fix).toBe('PostgreSQL has no role no_such_role: correct the user name in DATABASE_URL, or create it (CREATE ROLE no_such_role LOGIN PASSWORD \'...\').');
  });

  it('recognises a database that does not exist', async () => {
    const check = checkNamed(await diagnose({ DATABASE_URL: withPostgres((url) => { url.pathname = '/no_such_database'; }) }), 'database');
    expect(problemCodes(check)).toEqual(['MISSING_DATABASE']);
    expect(check.problems[0]!.fix).toContain('createdb no_such_database');
  });

  it('recognises a published host port: refused there while PostgreSQL answers on 5432', async () => {
    const port = await closedPort();
    const check = checkNamed(await diagnose({ DATABASE_URL: withPostgres((url) => { url.port = String(port); }) }), 'database');
    expect(problemCodes(check)).toEqual(['PUBLISHED_PORT']);
    expect(check.problems[0]!.message).toContain(`but PostgreSQL answers on ${postgres.hostname}:5432`);
    expect(check.problems[0]!.fix).toContain(`Set DATABASE_URL=${withPostgres((url) => { url.port = '5432'; })}`);
  });

  it('reaches PostgreSQL by a service name only the test resolver knows, and names it when another is used', async () => {
    const resolver = testResolver({ db: [postgres.hostname] });
    const byName = checkNamed(await diagnose({ DATABASE_URL: withPostgres((url) => { url.hostname = 'db'; }) }, { resolver }), 'database');
    expect(byName.status).toBe('ok');
    expect(byName.steps[0]!.detail).toBe(`db → ${postgres.hostname}`);

    const wrong = checkNamed(await diagnose({ DATABASE_URL: withPostgres((url) => { url.hostname = 'sutazai-db'; }) }, { resolver }), 'database');
    expect(problemCodes(wrong)).toEqual(['NAME_NOT_RESOLVED']);
    expect(wrong.problems[0]!.message).toContain('Closest match: db.');
    expect(wrong.problems[0]!.fix).toContain(`Set DATABASE_URL=${withPostgres((url) => { url.hostname = 'db'; })} (PostgreSQL answers there)`);
  });

  it('recognises Redis where PostgreSQL is expected', async () => {
    const check = checkNamed(await diagnose({ DATABASE_URL: 'postgres://postgres@127.0.0.1:6379/test' }, { timeoutMs: 1000 }), 'database');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toBe('DATABASE_URL expects PostgreSQL at 127.0.0.1:6379, but Redis answered there.');
    expect(check.problems[0]!.fix).toContain('this address belongs in REDIS_URL');
  });
});

describe('Redis (REDIS_URL)', () => {
  it('PINGs and reports the version', async () => {
    const check = checkNamed(await diagnose({ REDIS_URL: 'redis://127.0.0.1:6379' }), 'redis');
    expect(check).toMatchObject({ status: 'ok', problems: [] });
    expect(check.version).toMatch(/^Redis \d+\.\d+/);
    expect(check.steps.find((step) => step.step === 'handshake')).toMatchObject({ ok: true, detail: 'PING → PONG' });
  });

  it('recognises a refused user and password (WRONGPASS)', async () => {
    const check = checkNamed(await diagnose({ REDIS_URL: 'redis://sutazai:wrong@127.0.0.1:6379' }), 'redis');
    expect(check.steps.find((step) => step.step === 'authenticate')).toMatchObject({ ok: false });
    expect(problemCodes(check)).toEqual(['BAD_CREDENTIALS']);
    expect(check.problems[0]!.message).toContain('WRONGPASS');
    expect(check.problems[0]!.fix).toContain('correct them in REDIS_URL');
  });

  it('notes a password this Redis does not ask for, without calling it a problem', async () => {
    const check = checkNamed(await diagnose({ REDIS_URL: 'redis://:unneeded@127.0.0.1:6379' }), 'redis');
    expect(check.status).toBe('ok');
    expect(check.notes).toEqual([expect.stringContaining('asks for none')]);
  });

  it('recognises a published host port and PostgreSQL on the Redis setting', async () => {
    const port = await closedPort();
    const published = checkNamed(await diagnose({ REDIS_URL: `redis://127.0.0.1:${port}` }), 'redis');
    expect(problemCodes(published)).toEqual(['PUBLISHED_PORT']);
    expect(published.problems[0]!.fix).toMatch(/^Set REDIS_URL=redis:\/\/127\.0\.0\.1:6379\./);

    const postgresThere = checkNamed(await diagnose({ REDIS_URL: `redis://127.0.0.1:${postgres.port || 5432}` }), 'redis');
    expect(problemCodes(postgresThere)).toEqual(['WRONG_SERVER_KIND']);
    expect(postgresThere.problems[0]!.message).toContain('but PostgreSQL answered there');
  });
});

describe('RabbitMQ (AMQP_URL)', async () => {
  const skip = await rabbitMqSkipReason();
  let release: (() => void) | undefined;
  beforeAll(async () => {
    if (!skip) release = await holdBrokerLock();
  });
  afterAll(() => release?.());
  const broker = new URL(amqpTestUrl);

  it.skipIf(skip)('completes the AMQP handshake and reports the broker version', async () => {
    const check = checkNamed(await diagnose({ AMQP_URL: amqpTestUrl }), 'job-queue');
    expect(check).toMatchObject({ status: 'ok', problems: [] });
    expect(check.version).toMatch(/^RabbitMQ \d+\.\d+/);
  });

  it.skipIf(skip)('recognises a wrong password (403 ACCESS_REFUSED)', async () => {
    const wrong = new URL(broker.href);
    wrong.password = 'wrong-password';
    const check = checkNamed(await diagnose({ AMQP_URL: wrong.href }), 'job-queue');
    expect(check.target).not.toContain('wrong-password');
    expect(problemCodes(check)).toEqual(['BAD_CREDENTIALS']);
    expect(check.problems[0]!.message).toContain('403 (ACCESS-REFUSED)');
  });

  it.skipIf(skip)('recognises a virtual host that does not exist', async () => {
    const check = checkNamed(await diagnose({ AMQP_URL: `${broker.href.replace(/\/$/, '')}/no-such-vhost` }), 'job-queue');
    expect(problemCodes(check)).toEqual(['VHOST_REFUSED']);
  });

  it.skipIf(skip)('recognises PostgreSQL where RabbitMQ is expected', async () => {
    const check = checkNamed(await diagnose({ AMQP_URL: `amqp://guest:guest@127.0.0.1:${postgres.port || 5432}` }), 'job-queue');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
    expect(check.problems[0]!.message).toContain('but PostgreSQL answered there');
  });
});

describe('SQLite (DATA_DIR, DATABASE_URL=sqlite:)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sutazai-doctor-sqlite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a folder where the file can be created', async () => {
    const check = checkNamed(await diagnose({ DATA_DIR: path.join(dir, 'fresh') }), 'database');
    expect(check).toMatchObject({ status: 'ok', kind: 'sqlite', setting: 'DATA_DIR' });
    expect(check.steps[0]!.detail).toContain('will be created');
  });

  it('recognises a path that cannot be created', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const check = checkNamed(await diagnose({ DATA_DIR: path.join(file, 'data') }), 'database');
    expect(problemCodes(check)).toEqual(['NOT_WRITABLE']);
    expect(check.problems[0]!.message).toContain(`${file} is a file`);
  });

  it.skipIf(process.getuid?.() === 0)('recognises a folder this user may not write (skipped as root, who may write anywhere)', async () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const check = checkNamed(await diagnose({ DATA_DIR: locked }), 'database');
    expect(problemCodes(check)).toEqual(['NOT_WRITABLE']);
  });

  it('recognises a file that is not an SQLite database', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'hello, these are notes');
    const check = checkNamed(await diagnose({ DATABASE_URL: `sqlite:${file}` }), 'database');
    expect(check.setting).toBe('DATABASE_URL');
    expect(problemCodes(check)).toEqual(['WRONG_SERVER_KIND']);
  });
});

describe('pgvector (VECTOR_STORE=pgvector)', () => {
  it('is a problem only when the vector index is to live in PostgreSQL, and a note otherwise', async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: postgresTestUrl });
    await client.connect();
    const available = (await client.query<{ ok: boolean }>(`select exists(select 1 from pg_available_extensions where name = 'vector') as ok`)).rows[0]!.ok;
    await client.end();
    const check = checkNamed(await diagnose({ DATABASE_URL: postgresTestUrl }), 'database');
    expect(check.status).toBe('ok');
    expect(check.notes.some((note) => note.includes('pgvector is not installed'))).toBe(!available);
    // With the vector index in PostgreSQL, a server without pgvector is a problem.
    const withVectors = checkNamed(await diagnose({ DATABASE_URL: postgresTestUrl, VECTOR_STORE: 'pgvector' }), 'database');
    const schemaHasVectorStore = (configKeys as readonly string[]).includes('VECTOR_STORE');
    expect(problemCodes(withVectors)).toEqual(schemaHasVectorStore && !available ? ['WRONG_SERVER_KIND'] : []);
  });
});
