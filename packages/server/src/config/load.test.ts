import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './load.js';

const cwd = () => mkdtempSync(path.join(tmpdir(), 'sutazai-config-'));

function problemsOf(env: Record<string, string>, dir = cwd()): string[] {
  try {
    loadConfig({ env, cwd: dir });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const dir = cwd();
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.PORT).toBe(10200);
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(dir, 'data', 'sutazai.db') });
    expect(config.modelsDir).toBeUndefined();
    expect(config.ollama).toEqual({ baseURL: 'http://127.0.0.1:11434', explicit: false });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('finds ./models when it exists and MODELS_DIR is unset', () => {
    const dir = cwd();
    mkdirSync(path.join(dir, 'models'));
    expect(loadConfig({ env: {}, cwd: dir }).modelsDir).toBe(path.join(dir, 'models'));
  });

  it('names the variable, the value, the reason and the fix for a port out of range', () => {
    const [problem] = problemsOf({ PORT: '99999' });
    expect(problem).toMatch(/^PORT="?99999"? is invalid: it must be from 0 to 65535\. Fix: .*PORT=10200/);
  });

  it('refuses a port that is not a whole number', () => {
    expect(problemsOf({ PORT: '80x' })[0]).toMatch(/PORT="80x" is invalid: it must be a whole number/);
  });

  it('refuses a URL without a scheme and shows how to write it', () => {
    expect(problemsOf({ OLLAMA_BASE_URL: 'localhost:11434' })[0]).toMatch(/OLLAMA_BASE_URL="localhost:11434" is invalid: it has no scheme; write it as http:\/\/localhost:11434/);
  });

  it('refuses a URL with an unsupported scheme', () => {
    expect(problemsOf({ OPENAI_BASE_URL: 'ftp://host/v1' })[0]).toMatch(/the scheme ftp is not supported/);
  });

  it('refuses a DATABASE_URL of an unknown kind without printing it', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://user:secret@db/x' });
    expect(problem).toMatch(/DATABASE_URL=\*\*\*\* is invalid: "mysql" is not a supported database kind \(supported: sqlite, postgres\)/);
    expect(problem).not.toContain('secret');
  });

  it('refuses a MODELS_DIR that does not exist and says how to create it', () => {
    const dir = cwd();
    const [problem] = problemsOf({ MODELS_DIR: './nope' }, dir);
    expect(problem).toContain(`MODELS_DIR="./nope" is invalid: the folder ${path.join(dir, 'nope')} does not exist`);
    expect(problem).toContain('mkdir -p');
  });

  it('refuses an unknown log level, listing the valid ones', () => {
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/LOG_LEVEL="loud" is invalid: it must be one of fatal, error, warn, info, debug, trace, silent/);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: '-1', LOG_LEVEL: 'x', OLLAMA_BASE_URL: 'nope' })).toHaveLength(3);
  });

  it('reads sutazai.config.json, and the environment wins over it', () => {
    const dir = cwd();
    writeFileSync(path.join(dir, 'sutazai.config.json'), JSON.stringify({ PORT: 12000, HOST: '0.0.0.0' }));
    const config = loadConfig({ env: { PORT: '13000' }, cwd: dir });
    expect(config.PORT).toBe(13000);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.sources.PORT).toBe('env');
    expect(config.sources.HOST).toBe('file');
  });

  it('points out a misspelt setting in the config file', () => {
    const dir = cwd();
    writeFileSync(path.join(dir, 'sutazai.config.json'), JSON.stringify({ PROT: 1 }));
    expect(problemsOf({}, dir)[0]).toMatch(/unknown setting "PROT"\. Did you mean "PORT"\?/);
  });

  it('reports a config file that is not JSON', () => {
    const dir = cwd();
    writeFileSync(path.join(dir, 'sutazai.config.json'), '{ PORT: 1');
    expect(problemsOf({}, dir)[0]).toMatch(/is not valid JSON/);
  });

  it('selects PostgreSQL with an optional schema', () => {
    const config = loadConfig({ env: { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/test?schema=s1' }, cwd: cwd() });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/test', schema: 's1' });
  });

  it('refuses a PostgreSQL schema name that is not a plain identifier', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://u@h/db?schema=a;drop' })[0]).toMatch(/schema name "a;drop" must be letters, digits and underscores/);
  });

  it('refuses AUTH=disabled on an address other machines can reach, and explains why', () => {
    expect(problemsOf({ AUTH: 'disabled', HOST: '0.0.0.0' })[0]).toMatch(/^AUTH="disabled" is refused because HOST="0.0.0.0" accepts connections from other machines.*Fix: /);
    expect(loadConfig({ env: { AUTH: 'disabled', HOST: '127.0.0.1' }, cwd: cwd() }).AUTH).toBe('disabled');
    expect(loadConfig({ env: { AUTH: 'disabled', HOST: '::1' }, cwd: cwd() }).AUTH).toBe('disabled');
  });

  it('reads booleans and comma-separated lists', () => {
    const config = loadConfig({ env: { TRUST_PROXY: 'yes', CORS_ORIGINS: 'https://a.example, http://b.example/', OUTBOUND_ALLOW_PRIVATE: 'false' }, cwd: cwd() });
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.OUTBOUND_ALLOW_PRIVATE).toBe(false);
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://b.example']);
    expect(problemsOf({ TRUST_PROXY: 'maybe' })[0]).toMatch(/TRUST_PROXY="maybe" is invalid: it must be true or false/);
  });

  it('masks secrets in the printed configuration', () => {
    const config = loadConfig({ env: { OPENAI_BASE_URL: 'http://x:1/v1', OPENAI_API_KEY: 'sk-verysecretvalue', DATABASE_URL: 'postgres://u:hunter2@h/db' }, cwd: cwd() });
    const printed = JSON.stringify(describeConfig(config));
    expect(printed).not.toContain('verysecretvalue');
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain('sk-****');
    expect(printed).toContain('postgres://u:****@h/db');
  });

  it('refuses an AMQP_URL that is not amqp:// without printing it, and masks its password when valid', () => {
    const [problem] = problemsOf({ AMQP_URL: 'http://guest:hunter2@127.0.0.1:5672' });
    expect(problem).toMatch(/^AMQP_URL=\*\*\*\* is invalid: the scheme http is not supported \(use amqp or amqps\)\. Fix: .*unset it to use the in-process queue/);
    expect(problem).not.toContain('hunter2');
    const config = loadConfig({ env: { AMQP_URL: 'amqp://guest:hunter2@127.0.0.1:5672', JOB_CONCURRENCY: '4' }, cwd: cwd() });
    expect(config.JOB_CONCURRENCY).toBe(4);
    expect(config.JOB_MAX_ATTEMPTS).toBe(3);
    expect(describeConfig(config).find((row) => row.key === 'AMQP_URL')?.value).toBe('amqp://guest:****@127.0.0.1:5672');
  });

  describe('OpenTelemetry variables', () => {
    it('traces nothing without an endpoint', () => {
      const config = loadConfig({ env: {}, cwd: cwd() });
      expect(config.tracing).toBeUndefined();
      expect(config.OTEL_SERVICE_NAME).toBe('sutazai');
      expect(config.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on');
    });

    it('sends traces to the base endpoint\'s /v1/traces, or to the traces endpoint as it is', () => {
      const base = (endpoint: string) => loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, cwd: cwd() }).tracing?.url;
      expect(base('http://collector:4318')).toBe('http://collector:4318/v1/traces');
      expect(base('https://otlp.example/base/')).toBe('https://otlp.example/base/v1/traces');
      const both = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom' }, cwd: cwd() });
      expect(both.tracing?.url).toBe('http://tempo:4318/custom');
    });

    it('refuses an endpoint without a scheme and shows how to write it', () => {
      expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })[0]).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is invalid: it has no scheme; write it as http:\/\/collector:4318\./);
    });

    it('reads percent-encoded headers and resource attributes, and prints only the header names', () => {
      const config = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret, x-scope-orgid=home', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod' }, cwd: cwd() });
      expect(config.tracing).toMatchObject({ headers: { authorization: 'Bearer s3cret', 'x-scope-orgid': 'home' }, resourceAttributes: { 'deployment.environment.name': 'prod' } });
      expect(describeConfig(config).find((row) => row.key === 'OTEL_EXPORTER_OTLP_HEADERS')?.value).toBe('authorization=****,x-scope-orgid=****');
    });

    it('refuses a header list that is not key=value pairs, without printing it', () => {
      const [problem] = problemsOf({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=ok,Bearer s3cret' });
      expect(problem).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS=\*\*\*\* is invalid: entry 2 has no "="\. Fix: write it as key=value pairs/);
      expect(problem).not.toContain('s3cret');
    });

    it('takes a ratio from 0 to 1, and only for a ratio sampler', () => {
      expect(loadConfig({ env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, cwd: cwd() }).OTEL_TRACES_SAMPLER_ARG).toBe(0.25);
      expect(problemsOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })[0]).toMatch(/OTEL_TRACES_SAMPLER_ARG=1.5 is invalid: it must be from 0 to 1/);
      expect(problemsOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' })[0]).toMatch(/OTEL_TRACES_SAMPLER_ARG="half" is invalid: it must be a number/);
      expect(problemsOf({ OTEL_TRACES_SAMPLER_ARG: '0.1' })[0]).toMatch(/OTEL_TRACES_SAMPLER_ARG=0.1 has no effect: the sampler parentbased_always_on takes no ratio\. Fix: set OTEL_TRACES_SAMPLER=parentbased_traceidratio/);
      expect(problemsOf({ OTEL_TRACES_SAMPLER: 'sometimes' })[0]).toMatch(/OTEL_TRACES_SAMPLER="sometimes" is invalid: it must be one of parentbased_always_on, /);
    });
  });
});
