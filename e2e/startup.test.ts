/**
 * Start-up as a user meets it: `sutazai serve` on a real port, health answers, and a wrong
 * configuration or a taken port stops it at once with a message that names the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, startServer, stopAllServers, testModelName, type CliResult, type ServerProcess, type Workspace } from './support/server-process.js';

const badConfig = {
  PORT: '99999',
  OLLAMA_BASE_URL: 'localhost:11434',
  MODELS_DIR: '/does/not/exist',
  DATABASE_URL: 'mysql://x',
};

/**
 * Every command is started at once in beforeAll (each costs ~1.5 s of Node start-up on this
 * 2-core machine); the tests read their results. `config check` runs once as text for the bad
 * configuration (what a person reads) and once as --json for the good one (every value).
 */
let workspace: Workspace;
let server: ServerProcess;
const secret = 'sk-e2e-very-secret-key-0123456789';
const runs = {} as Record<'badServe' | 'badCheck' | 'goodCheckJson' | 'portInUse', Promise<CliResult>>;
let other: Workspace;

beforeAll(async () => {
  workspace = await makeWorkspace({ realModel: true });
  other = await makeWorkspace({ realModel: false });
  const goodEnv = { ...workspace.env, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: secret, DATABASE_URL: 'postgres://sutazai:hunter2pass@127.0.0.1:5432/sutazai' };
  runs.badServe = runCli(['serve'], { env: badConfig, timeoutMs: 20_000 });
  runs.badCheck = runCli(['config', 'check'], { env: badConfig });
  runs.goodCheckJson = runCli(['config', 'check', '--json'], { env: goodEnv });
  server = await startServer({ env: workspace.env });
  runs.portInUse = runCli(['serve'], { env: { ...other.env, PORT: String(server.port) }, timeoutMs: 20_000 });
});

afterAll(async () => {
  await server?.stop('SIGTERM');
  await stopAllServers();
  workspace?.remove();
  other?.remove();
});

describe('sutazai serve: start-up', () => {
  it('serves /health with exactly the liveness body and a request id', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.text();
    expect(JSON.parse(body)).toStrictEqual({ status: 'healthy', app: 'SutazAI Platform API' });
    expect(body).toBe('{"status":"healthy","app":"SutazAI Platform API"}');
    expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    // A caller's own request id is kept.
    const echoed = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'e2e-trace-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('e2e-trace-42');
  });

  it('logs the URL it serves on as JSON', () => {
    const line = server.logs().find((entry) => String(entry.msg).startsWith('SutazAI is serving on'));
    expect(line?.url).toBe(server.url);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('/health/detailed reports the database and llama-cpp healthy with the real model', async () => {
    const response = await fetch(`${server.url}/health/detailed`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { status: string; services: { name: string; status: string; detail: string; required: boolean }[] };
    expect(report.status).toBe('healthy');
    const byName = Object.fromEntries(report.services.map((s) => [s.name, s]));
    expect(byName.database).toMatchObject({ status: 'healthy', required: true });
    expect(byName.database!.detail).toContain(workspace.dataDir);
    expect(byName['llama-cpp']).toMatchObject({ status: 'healthy' });
    expect(byName['llama-cpp']!.detail).toContain('1 GGUF model');
    // Ollama points at a closed port: shown, not healthy, and it does not make the service down.
    expect(byName.ollama?.status).not.toBe('healthy');

    const models = (await (await fetch(`${server.url}/api/v1/models/`)).json()) as { models: string[]; default_model: string | null };
    expect(models.models).toContain(testModelName);
    expect(models.default_model).toBe(testModelName);
  });

  it('a port already in use: clear message, non-zero exit, quickly', async () => {
    const result = await runs.portInUse;
    expect(result.signal, 'killed by the timeout: it hung instead of exiting').toBeNull();
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('SutazAI could not start');
    expect(result.stderr).toContain('EADDRINUSE');
    expect(result.stderr).toContain(`Another process uses port ${server.port}: stop it or set PORT to a free port.`);
    expect(result.stdout).not.toContain('SutazAI is serving on');
    expect(result.durationMs).toBeLessThan(15_000);
    // The running server is unharmed.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('bad configuration', () => {
  const expectEveryProblemNamed = (text: string) => {
    expect(text).toMatch(/PORT=99999 is invalid: it must be from 0 to 65535\. Fix: set PORT to a valid value/);
    expect(text).toMatch(/OLLAMA_BASE_URL="localhost:11434" is invalid: it has no scheme; write it as http:\/\/localhost:11434\. Fix: /);
    expect(text).toMatch(/MODELS_DIR="\/does\/not\/exist" is invalid: the folder \/does\/not\/exist does not exist\. Fix: create it/);
    expect(text).toMatch(/DATABASE_URL=\S+ is invalid: "mysql" is not a supported database kind \(supported: sqlite, postgres\)\. Fix: /);
  };

  it('makes `serve` exit non-zero quickly, naming every variable with a fix', async () => {
    const result = await runs.badServe;
    expect(result.signal, 'killed by the timeout: it hung instead of exiting').toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SutazAI cannot start: the configuration is invalid.');
    expectEveryProblemNamed(result.stderr);
    expect(result.stderr).toContain('Run `sutazai config check` after fixing it.');
    expect(result.stdout).not.toContain('serving on');
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('makes `config check` exit non-zero with the same problems', async () => {
    const text = await runs.badCheck;
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('Configuration is invalid:');
    expectEveryProblemNamed(text.stderr);
    expect(text.stderr.match(/ is invalid: /g)).toHaveLength(4);
  });

  it('`config check` on a good configuration exits 0 and masks OPENAI_API_KEY (and the database password)', async () => {
    const json = await runs.goodCheckJson;
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain(secret);
    expect(json.stdout).not.toContain(secret.slice(3, 12));
    expect(json.stdout).not.toContain('hunter2pass');
    const body = JSON.parse(json.stdout) as { valid: boolean; settings: { key: string; value: string; source: string }[] };
    expect(body.valid).toBe(true);
    const settings = Object.fromEntries(body.settings.map((s) => [s.key, s]));
    expect(settings.OPENAI_API_KEY).toEqual({ key: 'OPENAI_API_KEY', value: 'sk-****', source: 'env' });
    expect(settings.DATABASE_URL!.value).toBe('postgres://sutazai:****@127.0.0.1:5432/sutazai');
    expect(settings.MODELS_DIR).toEqual({ key: 'MODELS_DIR', value: workspace.modelsDir, source: 'env' });
    expect(settings.OPENAI_BASE_URL).toEqual({ key: 'OPENAI_BASE_URL', value: 'http://127.0.0.1:9/v1', source: 'env' });
    expect(settings.PORT).toEqual({ key: 'PORT', value: '10200', source: 'default' });
  });
});
