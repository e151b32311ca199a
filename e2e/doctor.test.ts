/**
 * `sutazai doctor` as a user runs it: the built CLI, the configuration in its environment,
 * the real PostgreSQL, Redis and RabbitMQ of this machine and a real `sutazai serve`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdBrokerLock } from '../packages/server/src/events/queue/test-support/broker-lock.js';
import { amqpTestUrl } from '../packages/server/src/events/queue/test-support/rabbitmq-fixture.js';
import { postgresTestUrl } from '../packages/server/src/storage/test-support/storage-fixtures.js';
import { freePort, makeWorkspace, runCli, startServer, stopAllServers, type CliResult, type ServerProcess, type Workspace } from './support/server-process.js';

interface Report {
  ok: boolean;
  problem_count: number;
  environment: { in_container: boolean };
  checks: { name: string; status: string; version: string | null; problems: { code: string; message: string; fix: string }[] }[];
}

let workspace: Workspace;
let server: ServerProcess;
let release: () => void;
const runs = {} as Record<'healthy' | 'miswired' | 'human' | 'invalid', Promise<CliResult>>;
const redisUrl = process.env.SUTAZAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let closed: number;

function withPort(url: string, port: number): string {
  const copy = new URL(url);
  copy.port = String(port);
  return copy.href;
}

beforeAll(async () => {
  release = await holdBrokerLock();
  workspace = await makeWorkspace({ realModel: false });
  closed = await freePort();
  const base = { DATA_DIR: workspace.dataDir };
  const miswired = {
    ...base,
    DATABASE_URL: withPort(postgresTestUrl, closed),
    REDIS_URL: 'redis://sutazai:wrong-password@127.0.0.1:6379',
    AMQP_URL: amqpTestUrl.replace(/:[^:@/]*@/, ':wrong-password@'),
    SUTAZAI_URL: `http://127.0.0.1:${closed}`,
  };
  runs.miswired = runCli(['doctor', '--json'], { env: miswired });
  runs.human = runCli(['doctor', '--url', `http://127.0.0.1:${closed}`], { env: { ...base, DATABASE_URL: withPort(postgresTestUrl, closed) } });
  runs.invalid = runCli(['doctor'], { env: { ...base, REDIS_URL: 'http://redis:6379' } });
  server = await startServer({ env: workspace.env });
  runs.healthy = runCli(['doctor', '--json', '--url', server.url], { env: { ...base, DATABASE_URL: postgresTestUrl, REDIS_URL: redisUrl, AMQP_URL: amqpTestUrl } });
}, 120_000);

afterAll(async () => {
  await server?.stop('SIGTERM');
  await stopAllServers();
  workspace?.remove();
  release?.();
});

describe('sutazai doctor (the built CLI)', () => {
  it('exits 0 with every dependency and the running server answering, and prints the report as JSON', async () => {
    const result = await runs.healthy;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ ok: true, problem_count: 0 });
    const byName = Object.fromEntries(report.checks.map((check) => [check.name, check]));
    expect(Object.keys(byName).sort()).toEqual(['api', 'database', 'job-queue', 'ollama', 'redis']);
    expect(byName.database).toMatchObject({ status: 'ok', version: expect.stringMatching(/^PostgreSQL \d+/) });
    expect(byName.redis).toMatchObject({ status: 'ok', version: expect.stringMatching(/^Redis /) });
    expect(byName['job-queue']).toMatchObject({ status: 'ok', version: expect.stringMatching(/^RabbitMQ /) });
    expect(byName.api).toMatchObject({ status: 'ok', version: 'SutazAI Platform API' });
    // OLLAMA_BASE_URL is unset and nothing runs at its default address: not a problem.
    expect(byName.ollama!.status).toMatch(/^(skipped|ok)$/);
  });

  it('exits 1 and diagnoses a published port, refused credentials and an API it cannot reach', async () => {
    const result = await runs.miswired;
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const codes = Object.fromEntries(report.checks.map((check) => [check.name, check.problems.map((problem) => problem.code)]));
    expect(codes.database).toEqual(['PUBLISHED_PORT']);
    expect(codes.redis).toEqual(['BAD_CREDENTIALS']);
    expect(codes['job-queue']).toEqual(['BAD_CREDENTIALS']);
    // This machine may itself be a container (it has /.dockerenv here): then a loopback address that refuses is the container itself.
    expect(codes.api).toEqual([report.environment.in_container ? 'LOCALHOST_IN_CONTAINER' : 'UNREACHABLE']);
    expect(report.problem_count).toBe(4);
    expect(result.stdout).not.toContain('wrong-password');
  });

  it('prints each problem with its fix for a person', async () => {
    const result = await runs.human;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^SutazAI doctor: \d+ checks, run /);
    expect(result.stdout).toContain(`FAIL  database  DATABASE_URL=${withPort(postgresTestUrl, closed).replace(/\/$/, '')}`);
    expect(result.stdout).toContain(`PUBLISHED_PORT: Nothing listens on 127.0.0.1:${closed}, but PostgreSQL answers on 127.0.0.1:5432.`);
    expect(result.stdout).toContain(`Fix: Set DATABASE_URL=${withPort(postgresTestUrl, 5432)}.`);
    expect(result.stdout).toMatch(/\d problems? found\.\n$/);
  });

  it('exits 2 without checking anything when the configuration itself is invalid', async () => {
    const result = await runs.invalid;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The configuration is invalid, so nothing was checked');
    expect(result.stderr).toContain('REDIS_URL');
  });
});
