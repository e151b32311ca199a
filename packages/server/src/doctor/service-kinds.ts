/**
 * What the doctor knows about each kind of dependency without asking: the port it listens on
 * inside a container network, the names its service usually has, how it is called.
 */
import type { ServiceKind } from './doctor-report.js';
import { maskUrl as maskAnyUrl } from '../config/mask-url.js';

export const KIND_LABELS: Record<ServiceKind, string> = {
  postgres: 'PostgreSQL',
  sqlite: 'SQLite',
  redis: 'Redis',
  rabbitmq: 'RabbitMQ',
  ollama: 'Ollama',
  'openai-compatible': 'an OpenAI-compatible server',
  qdrant: 'Qdrant',
  sutazai: 'SutazAI',
  otlp: 'an OpenTelemetry receiver (OTLP/HTTP)',
};

/**
 * The ports each kind listens on in its own container (the images' defaults). A URL whose
 * port is refused while one of these answers on the same host has the published host port in it.
 */
export const DEFAULT_KNOWN_PORTS: Record<ServiceKind, number[]> = {
  postgres: [5432],
  sqlite: [],
  redis: [6379],
  rabbitmq: [5672],
  ollama: [11434],
  // vLLM, llama.cpp server, LM Studio, Ollama's /v1
  'openai-compatible': [8000, 8080, 1234, 11434],
  qdrant: [6333],
  // SutazAI's PORT default, the usual backend port, a reverse proxy
  sutazai: [10200, 8000, 80, 443],
  // OTLP over HTTP (4317 is OTLP over gRPC, which SutazAI does not send)
  otlp: [4318],
};

/** Service names Compose files and charts usually give each kind; tried when a name does not resolve. */
export const KNOWN_SERVICE_NAMES: Record<ServiceKind, string[]> = {
  postgres: ['postgres', 'postgresql', 'db', 'database', 'pgvector', 'sutazai-postgres'],
  sqlite: [],
  redis: ['redis', 'cache', 'valkey', 'sutazai-redis'],
  rabbitmq: ['rabbitmq', 'rabbit', 'broker', 'amqp', 'sutazai-rabbitmq'],
  ollama: ['ollama', 'sutazai-ollama'],
  'openai-compatible': ['vllm', 'llama-cpp', 'llamacpp', 'llama-server', 'localai', 'lmstudio', 'openai', 'ollama'],
  qdrant: ['qdrant', 'sutazai-qdrant'],
  sutazai: ['api', 'backend', 'sutazai', 'sutazai-api', 'app', 'server', 'proxy', 'caddy', 'nginx'],
  otlp: ['otel-collector', 'collector', 'otelcol', 'jaeger', 'tempo', 'alloy'],
};

/** Names worth trying for any kind. */
export const GENERAL_NAMES = ['localhost', 'host.docker.internal', 'host.containers.internal'];

export function defaultPort(protocol: string): number | undefined {
  switch (protocol) {
    case 'http:': return 80;
    case 'https:': return 443;
    case 'postgres:':
    case 'postgresql:': return 5432;
    case 'redis:':
    case 'rediss:': return 6379;
    case 'amqp:': return 5672;
    case 'amqps:': return 5671;
    default: return undefined;
  }
}

/** A URL for the report: its password masked, without a trailing slash. */
export function maskUrl(url: URL): string {
  return maskAnyUrl(url).replace(/\/$/, '');
}
