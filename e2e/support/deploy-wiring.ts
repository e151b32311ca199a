/**
 * Reads the deployment files the way Docker Compose, nginx and Helm would, and lists every
 * address that does not point at a service defined beside it, on the port that service listens
 * on inside the network: the mistake the original system shipped (a published host port, a
 * container name instead of the service name, localhost inside a container).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../packages/server/src/config/load.js';
import { configKeys } from '../../packages/server/src/config/schema.js';

/** The port each image's server listens on in its container, unless its configuration changes it. */
export const IMAGE_PORTS: Record<string, { port: number; kind: string }> = {
  'pgvector/pgvector': { port: 5432, kind: 'postgres' },
  postgres: { port: 5432, kind: 'postgres' },
  redis: { port: 6379, kind: 'redis' },
  rabbitmq: { port: 5672, kind: 'rabbitmq' },
  'ollama/ollama': { port: 11434, kind: 'ollama' },
  'qdrant/qdrant': { port: 6333, kind: 'qdrant' },
};

/** The settings whose value is an address, the kind of server each must name, and the URL schemes. */
export const ADDRESS_SETTINGS: Record<string, { kind: string; schemes: string[] }> = {
  DATABASE_URL: { kind: 'postgres', schemes: ['postgres:', 'postgresql:'] },
  REDIS_URL: { kind: 'redis', schemes: ['redis:', 'rediss:'] },
  AMQP_URL: { kind: 'rabbitmq', schemes: ['amqp:', 'amqps:'] },
  OLLAMA_BASE_URL: { kind: 'ollama', schemes: ['http:', 'https:'] },
  OPENAI_BASE_URL: { kind: 'openai-compatible', schemes: ['http:', 'https:'] },
  QDRANT_URL: { kind: 'qdrant', schemes: ['http:', 'https:'] },
  STT_BASE_URL: { kind: 'openai-compatible', schemes: ['http:', 'https:'] },
  TTS_BASE_URL: { kind: 'openai-compatible', schemes: ['http:', 'https:'] },
};

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379, 'amqp:': 5672, 'amqps:': 5671 };

/** A service as the network sees it: its name, the port it listens on inside, what it is. */
export interface NetworkService {
  name: string;
  port: number;
  kind: string;
  /** Settings of the server itself (POSTGRES_PASSWORD...), for checking credentials. */
  env: Record<string, string>;
  /** Its command line, for `--requirepass`. */
  command: string[];
}

export function urlPort(url: URL): number {
  return Number(url.port || DEFAULT_PORTS[url.protocol] || 0);
}

export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127(\.\d+){3}|\[?::1\]?)$/i.test(host);
}

/**
 * Problems with SutazAI's environment in a deployment file: unknown settings, values the
 * configuration refuses, addresses that name no service or the wrong port, credentials that
 * differ from the server's own.
 */
export function environmentProblems(where: string, env: Record<string, string>, services: Map<string, NetworkService>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(env)) {
    if (!(configKeys as readonly string[]).includes(key)) problems.push(`${where}: ${key} is not a SutazAI setting (see packages/server/src/config/schema.ts)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-deploy-config-'));
  try {
    loadConfig({ env, cwd: dir });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((problem) => `${where}: ${problem}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [key, expected] of Object.entries(ADDRESS_SETTINGS)) {
    const value = env[key];
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      problems.push(`${where}: ${key} is not a URL`);
      continue;
    }
    problems.push(...addressProblems(`${where}: ${key}`, url.hostname, urlPort(url), services, expected.kind));
    if (!expected.schemes.includes(url.protocol)) problems.push(`${where}: ${key} uses ${url.protocol}, expected ${expected.schemes.join(' or ')}`);
    const service = services.get(url.hostname);
    if (service) problems.push(...credentialProblems(`${where}: ${key}`, url, service));
  }
  return problems;
}

/** An address inside the network: a service defined here, on the port it listens on. */
export function addressProblems(what: string, host: string, port: number, services: Map<string, NetworkService>, kind?: string): string[] {
  if (isLoopbackHost(host)) return [`${what} points at ${host}, which inside a container is the container itself: use the service name`];
  const service = services.get(host);
  if (!service) return [`${what} points at ${host}, which is not a service defined here (services: ${[...services.keys()].join(', ')})`];
  const problems: string[] = [];
  if (port !== service.port) problems.push(`${what} uses port ${port}, but ${host} listens on ${service.port} inside the network`);
  if (kind && service.kind !== kind && !(kind === 'openai-compatible' && service.kind === 'ollama')) problems.push(`${what} expects ${kind}, but ${host} is ${service.kind}`);
  return problems;
}

function credentialProblems(what: string, url: URL, service: NetworkService): string[] {
  const problems: string[] = [];
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const expect = (label: string, actual: string, wanted: string | undefined) => {
    if (wanted !== undefined && actual !== wanted) problems.push(`${what}: the ${label} (${actual || 'none'}) is not the one ${service.name} is set up with (${wanted})`);
  };
  if (service.kind === 'postgres') {
    expect('user', user, service.env.POSTGRES_USER ?? 'postgres');
    expect('password', password, service.env.POSTGRES_PASSWORD);
    expect('database', decodeURIComponent(url.pathname.slice(1)), service.env.POSTGRES_DB ?? service.env.POSTGRES_USER);
  } else if (service.kind === 'redis') {
    const index = service.command.indexOf('--requirepass');
    expect('password', password, index >= 0 ? service.command[index + 1] : '');
  } else if (service.kind === 'rabbitmq') {
    expect('user', user, service.env.RABBITMQ_DEFAULT_USER ?? 'guest');
    expect('password', password, service.env.RABBITMQ_DEFAULT_PASS ?? 'guest');
  }
  return problems;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` as Compose expands them; a required variable missing from `env` is a problem. */
export function interpolate(text: string, env: Record<string, string>, problems: string[] = []): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, operator: string | undefined, argument: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (operator?.endsWith('-')) return argument ?? '';
    if (operator?.endsWith('?')) problems.push(`${name} is required (${argument}) but the example environment does not set it`);
    return '';
  }).replaceAll('$$', '$');
}

/** Every string in a parsed YAML value, interpolated. */
export function interpolateDeep<T>(value: T, env: Record<string, string>, problems: string[]): T {
  if (typeof value === 'string') return interpolate(value, env, problems) as T;
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env, problems)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, env, problems)])) as T;
  return value;
}

/** `KEY=value` lines (a .env file). */
export function parseDotenv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (match) env[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return env;
}

/** Compose `environment:` as a map (it may be a list of KEY=value). */
export function environmentMap(environment: unknown): Record<string, string> {
  if (Array.isArray(environment)) return Object.fromEntries(environment.map((entry) => String(entry).split(/=(.*)/s).slice(0, 2) as [string, string]));
  if (environment && typeof environment === 'object') return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
  return {};
}

/** The image's name without registry tag or digest: `pgvector/pgvector:pg16` → `pgvector/pgvector`. */
export function imageName(image: string): string {
  return image.replace(/^docker\.io\//, '').replace(/^library\//, '').replace(/@.*$/, '').replace(/:[^/]*$/, '');
}

/** Addresses in a healthcheck command: URLs, and `-h host -p port` pairs. */
export function healthcheckAddresses(command: string[]): { host: string; port: number; text: string }[] {
  const text = command.join(' ');
  const found: { host: string; port: number; text: string }[] = [];
  for (const match of text.matchAll(/\b(https?):\/\/([^/:'"\s]+)(?::(\d+))?/g)) {
    found.push({ host: match[2]!, port: Number(match[3] ?? (match[1] === 'https' ? 443 : 80)), text: match[0] });
  }
  const host = /(?:^|\s)-h\s+(\S+)/.exec(text)?.[1];
  const port = /(?:^|\s)-p\s+(\d+)/.exec(text)?.[1];
  if (host && port) found.push({ host, port: Number(port), text: `-h ${host} -p ${port}` });
  return found;
}
