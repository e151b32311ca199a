/**
 * `sutazai doctor`: every dependency the configuration names, checked from where this runs,
 * all at once. The configuration is the server's own (`loadConfig`), so what the doctor checks
 * is what `sutazai serve` would use.
 */
import type { ResolvedConfig } from '../config/load.js';
import { createGuardedFetch } from '../net/outbound-guard.js';
import { checkAmqp } from './checks/amqp-check.js';
import { checkHttpService } from './checks/http-service-check.js';
import { checkPostgres } from './checks/postgres-check.js';
import { checkRedis } from './checks/redis-check.js';
import { checkSqlite } from './checks/sqlite-check.js';
import type { DoctorCheck, DoctorReport, ServiceKind } from './doctor-report.js';
import { detectEnvironment, type DoctorEnvironment } from './environment.js';
import { stripBrackets, systemResolver, type Resolver } from './network.js';
import type { DoctorContext } from './reach.js';
import { DEFAULT_KNOWN_PORTS } from './service-kinds.js';

export interface DoctorOptions {
  config: ResolvedConfig;
  /** The API the web UI and the CLI talk to (`--url` or SUTAZAI_URL); unchecked when absent. */
  apiUrl?: string;
  /** A session token or API key for the API (`--token`, SUTAZAI_API_KEY): lets the doctor read the server's own /health/detailed. */
  apiToken?: string;
  /** Name resolution; default the system's (`dns.lookup`). */
  resolver?: Resolver;
  /** Where this runs; default read from /.dockerenv, cgroups and /etc/hosts. */
  environment?: DoctorEnvironment;
  /** One round trip's budget; default 3000 ms. */
  timeoutMs?: number;
  /** Latency above which a dependency is slow; default 1000 ms. */
  slowMs?: number;
  /** Each kind's ports inside a container network, replacing the defaults per kind. */
  knownPorts?: Partial<Record<ServiceKind, number[]>>;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const environment = options.environment ?? detectEnvironment();
  const resolver = options.resolver ?? systemResolver;
  const fetch = createGuardedFetch({ allowPrivate: true, allowLoopback: true, allowCredentials: true, maxRedirects: 0, resolve: resolver });
  const configured = configuredUrls(config, options.apiUrl);
  const context: DoctorContext = {
    resolver,
    environment,
    timeoutMs: options.timeoutMs ?? 3000,
    slowMs: options.slowMs ?? 1000,
    knownPorts: { ...DEFAULT_KNOWN_PORTS, ...options.knownPorts },
    extraNames: [...environment.hostsNames, ...configured.map((url) => stripBrackets(url.hostname))],
    fetch,
  };
  try {
    // Loaded before any clock starts: compiling a driver mid-check would count as the server's latency.
    await Promise.all([config.database.kind === 'postgres' ? import('pg') : undefined, config.AMQP_URL ? import('amqplib') : undefined]);
    const checks = await Promise.all(plannedChecks(config, options, context));
    const problemCount = checks.reduce((sum, check) => sum + (check.status === 'problem' ? check.problems.length : 0), 0);
    return { ok: problemCount === 0, problem_count: problemCount, environment: { in_container: environment.inContainer, evidence: environment.evidence }, checks };
  } finally {
    fetch.close();
  }
}

function plannedChecks(config: ResolvedConfig, { apiUrl, apiToken }: DoctorOptions, context: DoctorContext): Promise<DoctorCheck>[] {
  const checks: Promise<DoctorCheck>[] = [];
  if (config.database.kind === 'sqlite') checks.push(Promise.resolve(checkSqlite(config.database.file, config.DATABASE_URL ? 'DATABASE_URL' : 'DATA_DIR')));
  else checks.push(checkPostgres(new URL(config.DATABASE_URL!), context, optionalSetting(config, 'VECTOR_STORE') === 'pgvector'));
  if (config.REDIS_URL) checks.push(checkRedis(new URL(config.REDIS_URL), context));
  if (config.AMQP_URL) checks.push(checkAmqp(new URL(config.AMQP_URL), context));
  checks.push(checkHttpService({ name: 'ollama', setting: 'OLLAMA_BASE_URL', kind: 'ollama', url: new URL(config.ollama.baseURL), optional: !config.ollama.explicit }, context));
  if (config.OPENAI_BASE_URL) checks.push(checkHttpService({ name: 'openai', setting: 'OPENAI_BASE_URL', kind: 'openai-compatible', url: new URL(config.OPENAI_BASE_URL), apiKey: config.OPENAI_API_KEY }, context));
  const qdrant = optionalSetting(config, 'QDRANT_URL');
  if (qdrant) checks.push(checkHttpService({ name: 'qdrant', setting: 'QDRANT_URL', kind: 'qdrant', url: new URL(qdrant), apiKey: optionalSetting(config, 'QDRANT_API_KEY') }, context));
  if (config.tracing) {
    const setting = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
    checks.push(checkHttpService({ name: 'tracing', setting, kind: 'otlp', url: new URL(config.tracing.url), headers: config.tracing.headers }, context));
  }
  if (apiUrl) checks.push(checkHttpService({ name: 'api', setting: 'SUTAZAI_URL', kind: 'sutazai', url: new URL(apiUrl), apiKey: apiToken }, context));
  return checks;
}

/** A setting the schema may not have yet (QDRANT_URL, VECTOR_STORE arrive with the vector stores). */
function optionalSetting(config: ResolvedConfig, key: string): string | undefined {
  const value = (config as unknown as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function configuredUrls(config: ResolvedConfig, apiUrl: string | undefined): URL[] {
  const urls = [config.database.kind === 'postgres' ? config.DATABASE_URL : undefined, config.REDIS_URL, config.AMQP_URL, config.ollama.baseURL, config.OPENAI_BASE_URL, optionalSetting(config, 'QDRANT_URL'), config.tracing?.url, apiUrl];
  return urls.flatMap((url) => {
    if (!url) return [];
    try {
      return [new URL(url)];
    } catch {
      return [];
    }
  });
}
