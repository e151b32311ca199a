/**
 * Reads the configuration once, from an optional JSON file and the environment (which wins),
 * validates it against the one schema and returns it frozen. Every problem is reported at
 * once, each naming the variable, the value, what is wrong and how to fix it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, configKeys, settingMeta, type Config, type ConfigKey } from './schema.js';
import { maskUrl } from './mask-url.js';

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema: string | undefined };

export interface ResolvedConfig extends Config {
  /** Absolute DATA_DIR. */
  dataDir: string;
  database: DatabaseTarget;
  /** Absolute MODELS_DIR, or undefined when unset and ./models does not exist. */
  modelsDir: string | undefined;
  ollama: { baseURL: string; explicit: boolean };
  corsOrigins: string[];
  outboundAllowHosts: string[];
  /** Where traces go (OTEL_EXPORTER_OTLP_*); undefined when no endpoint is configured: no tracing. */
  tracing: TracingTarget | undefined;
  /** Where each value came from, for `config check`. */
  sources: Record<ConfigKey, 'env' | 'file' | 'default' | 'unset'>;
  configFile: string | undefined;
}

export interface TracingTarget {
  /** The OTLP/HTTP traces address: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  url: string;
  headers: Record<string, string>;
  resourceAttributes: Record<string, string>;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';
const CONFIG_FILE_NAME = 'sutazai.config.json';

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const { values: fileValues, file: configFile } = readConfigFile(env, cwd, problems);
  const raw: Record<string, unknown> = {};
  const sources = {} as ResolvedConfig['sources'];
  for (const key of configKeys) {
    const fromEnv = env[key];
    if (fromEnv !== undefined && fromEnv !== '') {
      raw[key] = coerce(key, fromEnv, problems);
      sources[key] = 'env';
    } else if (fileValues[key] !== undefined) {
      raw[key] = fileValues[key];
      sources[key] = 'file';
    } else {
      sources[key] = settingMeta(key).default === undefined ? 'unset' : 'default';
    }
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const key = error.path.replace(/^\//, '').split('/')[0] as ConfigKey;
    if (!configKeys.includes(key)) continue;
    if (problems.some((p) => p.startsWith(`${key}=`))) continue; // coercion already explained it
    problems.push(explain(key, withDefaults[key], describeSchemaError(key, error.message)));
  }
  for (const key of configKeys) {
    if (!problems.some((p) => p.startsWith(`${key}=`))) checkSemantics(key, withDefaults[key], cwd, problems);
  }
  if (withDefaults.AUTH === 'disabled' && typeof withDefaults.HOST === 'string' && !isLoopback(withDefaults.HOST)) {
    problems.push(`AUTH="disabled" is refused because HOST=${JSON.stringify(withDefaults.HOST)} accepts connections from other machines, and without accounts anyone who reaches the port could read every conversation. Fix: keep AUTH=enabled (create the admin account at first sign-up), or set HOST=127.0.0.1 to run single-user on this machine only.`);
  }
  const sampler = String(withDefaults.OTEL_TRACES_SAMPLER);
  if (withDefaults.OTEL_TRACES_SAMPLER_ARG !== undefined && !sampler.endsWith('traceidratio')) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(withDefaults.OTEL_TRACES_SAMPLER_ARG)} has no effect: the sampler ${sampler} takes no ratio. Fix: set OTEL_TRACES_SAMPLER=parentbased_traceidratio to keep that share of traces, or unset OTEL_TRACES_SAMPLER_ARG.`);
  }
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  const config = withDefaults as unknown as Config;

  const dataDir = path.resolve(cwd, config.DATA_DIR);
  const defaultModelsDir = path.resolve(cwd, 'models');
  const resolved: ResolvedConfig = {
    ...config,
    dataDir,
    database: databaseTarget(config.DATABASE_URL, dataDir, cwd),
    modelsDir: config.MODELS_DIR !== undefined ? path.resolve(cwd, config.MODELS_DIR) : existsSync(defaultModelsDir) ? defaultModelsDir : undefined,
    ollama: { baseURL: stripSlash(config.OLLAMA_BASE_URL ?? DEFAULT_OLLAMA_URL), explicit: config.OLLAMA_BASE_URL !== undefined },
    corsOrigins: list(config.CORS_ORIGINS).map(stripSlash),
    outboundAllowHosts: list(config.OUTBOUND_ALLOW_HOSTS),
    tracing: tracingTarget(config),
    sources,
    configFile,
  };
  if (resolved.OPENAI_BASE_URL) (resolved as { OPENAI_BASE_URL?: string }).OPENAI_BASE_URL = stripSlash(resolved.OPENAI_BASE_URL);
  return Object.freeze(resolved);
}

function tracingTarget(config: Config): TracingTarget | undefined {
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The OpenTelemetry specification's rule: the signal's own address as it is, the base one with the signal's path.
  const url = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? undefined : `${stripSlash(base)}/v1/traces`);
  if (url === undefined) return undefined;
  return { url, headers: keyValues(config.OTEL_EXPORTER_OTLP_HEADERS).entries, resourceAttributes: keyValues(config.OTEL_RESOURCE_ATTRIBUTES).entries };
}

/**
 * `key=value,key2=value2` with percent-encoded values, as the OpenTelemetry variables are
 * written: the entries read, and the first problem when there is one (checked at start-up).
 */
function keyValues(text: string | undefined): { entries: Record<string, string>; problem?: string } {
  const entries: Record<string, string> = {};
  for (const [index, item] of list(text).entries()) {
    const at = item.indexOf('=');
    // Entries are named by position: the values may be credentials.
    if (at <= 0) return { entries, problem: `entry ${index + 1} has ${at === 0 ? 'no key before "="' : 'no "="'}` };
    const key = item.slice(0, at).trim();
    try {
      entries[key] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      return { entries, problem: `the value of ${key} is not valid percent-encoding` };
    }
  }
  return { entries };
}

function readConfigFile(env: Record<string, string | undefined>, cwd: string, problems: string[]) {
  const explicit = env.SUTAZAI_CONFIG;
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (explicit) problems.push(`SUTAZAI_CONFIG=${explicit} is invalid: the file ${file} does not exist. Fix: point SUTAZAI_CONFIG at an existing JSON file, or unset it.`);
    return { values: {} as Record<string, unknown>, file: undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${file} is not valid JSON (${(error as Error).message}). Fix: correct the file, or remove it to use environment variables only.`);
    return { values: {}, file };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${file} must hold a JSON object such as {"PORT": 10200}.`);
    return { values: {}, file };
  }
  const values = parsed as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!configKeys.includes(key as ConfigKey)) {
      const guess = closest(key, configKeys);
      problems.push(`${file} has an unknown setting "${key}".${guess ? ` Did you mean "${guess}"?` : ''} Fix: remove it; the settings are listed by \`sutazai config check\`.`);
    }
  }
  return { values, file };
}

/** Environment variables are strings; integers are parsed strictly so "80x" is an error, not 80. */
function coerce(key: ConfigKey, value: string, problems: string[]): unknown {
  const schema = settingMeta(key);
  if (schema.type === 'boolean') {
    const word = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(word)) return true;
    if (['false', '0', 'no', 'off'].includes(word)) return false;
    problems.push(explain(key, value, 'it must be true or false'));
    return value;
  }
  if (schema.type === 'number') {
    if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim())) {
      problems.push(explain(key, value, 'it must be a number'));
      return value;
    }
    return Number(value.trim());
  }
  if (schema.type !== 'integer') return value;
  if (!/^-?\d+$/.test(value.trim())) {
    problems.push(explain(key, value, 'it must be a whole number'));
    return value;
  }
  return Number(value.trim());
}

function describeSchemaError(key: ConfigKey, message: string): string {
  const schema = settingMeta(key) as { minimum?: number; maximum?: number; anyOf?: { const: string }[] };
  if (schema.minimum !== undefined && schema.maximum !== undefined && /greater|less/.test(message)) {
    return `it must be from ${schema.minimum} to ${schema.maximum}`;
  }
  if (schema.anyOf) return `it must be one of ${schema.anyOf.map((s) => s.const).join(', ')}`;
  if (/boolean/i.test(message)) return 'it must be true or false';
  if (/integer|number/i.test(message)) return 'it must be a whole number';
  if (/string/i.test(message)) return 'it must be a string';
  return message.toLowerCase();
}

function checkSemantics(key: ConfigKey, value: unknown, cwd: string, problems: string[]) {
  if (value === undefined) return;
  const check = settingMeta(key).check;
  const text = String(value);
  if (check === 'url') {
    const reason = urlProblem(text);
    if (reason) problems.push(explain(key, text, reason));
  } else if (check === 'database-url') {
    if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/i.test(text)) {
      const scheme = /^([a-z0-9+.-]+):/i.exec(text)?.[1];
      problems.push(explain(key, text, scheme ? `"${scheme}" is not a supported database kind (supported: sqlite, postgres)` : 'it has no database kind (sqlite: or postgres://)'));
    } else if (/^postgres/i.test(text)) {
      const reason = urlProblem(text, ['postgres:', 'postgresql:']);
      const schema = reason ? null : new URL(text).searchParams.get('schema');
      if (reason) problems.push(explain(key, text, reason));
      else if (schema && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
        problems.push(explain(key, text, `the schema name "${schema}" must be letters, digits and underscores (at most 63)`, `use ?schema=sutazai or another plain name`));
      }
    }
  } else if (check === 'redis-url') {
    const reason = urlProblem(text, ['redis:', 'rediss:']);
    if (reason) problems.push(explain(key, text, reason));
  } else if (check === 'amqp-url') {
    const reason = urlProblem(text, ['amqp:', 'amqps:']);
    if (reason) problems.push(explain(key, text, reason, `set ${key} to the broker's address, for example ${key}=amqp://guest:guest@127.0.0.1:5672, or unset it to use the in-process queue`));
  } else if (check === 'key-value-list') {
    const reason = keyValues(text).problem;
    if (reason) problems.push(explain(key, text, reason, `write it as key=value pairs separated by commas, for example ${key}=${settingMeta(key).example}`));
  } else if (check === 'existing-dir-when-set') {
    const dir = path.resolve(cwd, text);
    if (!existsSync(dir)) problems.push(explain(key, text, `the folder ${dir} does not exist`, `create it (mkdir -p ${dir}) or point ${key} at an existing folder`));
    else if (!statSync(dir).isDirectory()) problems.push(explain(key, text, `${dir} is a file, not a folder`));
  }
}

function urlProblem(text: string, schemes = ['http:', 'https:']): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return `it has no scheme; write it as ${schemes[0]}//${text.replace(/^\/+/, '')}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not a valid URL';
  }
  if (!schemes.includes(url.protocol)) return `the scheme ${url.protocol.slice(0, -1)} is not supported (use ${schemes.map((s) => s.slice(0, -1)).join(' or ')})`;
  if (!url.hostname) return 'it has no host name';
  return undefined;
}

function explain(key: ConfigKey, value: unknown, reason: string, fix?: string): string {
  const schema = settingMeta(key);
  const shown = schema.secret ? '****' : JSON.stringify(value);
  return `${key}=${shown} is invalid: ${reason}. Fix: ${fix ?? `set ${key} to a valid value, for example ${key}=${schema.example}`}.`;
}

/** DATABASE_URL as a target: unset is `DATA_DIR/sutazai.db`, `sqlite:<path>` a SQLite file (relative to `cwd`), anything else PostgreSQL. */
export function databaseTarget(url: string | undefined, dataDir: string, cwd: string): DatabaseTarget {
  if (url === undefined) return { kind: 'sqlite', file: path.join(dataDir, 'sutazai.db') };
  if (/^sqlite:/i.test(url)) {
    const rest = url.replace(/^sqlite:(\/\/)?/i, '');
    return { kind: 'sqlite', file: rest === ':memory:' ? ':memory:' : path.resolve(cwd, rest) };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { kind: 'postgres', url: parsed.toString(), schema };
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toUpperCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= 3 ? best : undefined;
}

/** Edit distance between `a` and `b` (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The effective configuration for printing: secrets masked, sources shown. */
export function describeConfig(config: ResolvedConfig): { key: ConfigKey; value: string; source: string }[] {
  return configKeys.map((key) => {
    const value = config[key];
    const secret = settingMeta(key).secret === true;
    const shown = value === undefined ? '(unset)' : secret ? maskSecret(key, String(value)) : String(value);
    return { key, value: shown, source: config.sources[key] };
  });
}

function maskSecret(key: ConfigKey, value: string): string {
  if ((key === 'DATABASE_URL' && /^postgres/i.test(value)) || key === 'REDIS_URL' || key === 'AMQP_URL') return maskUrl(value);
  if (key === 'DATABASE_URL') return value;
  // Which headers are sent is worth seeing; their values are credentials.
  if (key === 'OTEL_EXPORTER_OTLP_HEADERS') return Object.keys(keyValues(value).entries).map((name) => `${name}=****`).join(',');
  return value.length > 8 ? `${value.slice(0, 3)}****` : '****';
}
