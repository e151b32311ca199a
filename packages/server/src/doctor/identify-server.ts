/**
 * Recognises what answers on a port, for "a server of the wrong kind": a few bytes in each
 * protocol the doctor knows (HTTP, Redis, PostgreSQL, TLS), read back and matched. Servers
 * that speak first (MySQL, SSH, NATS) and servers that answer anything (RabbitMQ) are known
 * from the first exchange.
 */
import type { ServiceKind } from './doctor-report.js';
import { exchange } from './network.js';
import { KIND_LABELS } from './service-kinds.js';

export type WireProtocol = 'http' | 'https' | 'tls' | 'postgres' | 'redis' | 'amqp' | 'mysql' | 'nats' | 'ssh' | 'smtp' | 'silent' | 'unknown';

export interface ServerIdentity {
  protocol: WireProtocol;
  /** An HTTP service the doctor recognises. */
  service?: Extract<ServiceKind, 'ollama' | 'openai-compatible' | 'sutazai' | 'qdrant'>;
  /** The HTTP `Server` header, when there is one. */
  software?: string;
  /** In words: "Redis", "an HTTP server (nginx/1.25.3)", "SutazAI". */
  label: string;
}

const PROTOCOL_LABELS: Record<WireProtocol, string> = {
  http: 'an HTTP server',
  https: 'an HTTPS server',
  tls: 'a TLS server',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  amqp: 'RabbitMQ (AMQP)',
  mysql: 'MySQL/MariaDB',
  nats: 'NATS',
  ssh: 'an SSH server',
  smtp: 'a mail or FTP server',
  silent: 'a TCP server that answers nothing the doctor recognises',
  unknown: 'a server speaking an unknown protocol',
};

export interface IdentifyOptions {
  timeoutMs: number;
  /** The name in the URL, for the Host header and TLS server name. */
  hostname: string;
  /** fetch that reaches `hostname` (the doctor's, with its resolver). */
  fetch: typeof fetch;
}

/** What answers at address:port; `hostname` is what the URL called it. */
export async function identifyServer(address: string, port: number, options: IdentifyOptions): Promise<ServerIdentity> {
  const timeoutMs = Math.min(options.timeoutMs, 1500);
  const request = `GET / HTTP/1.1\r\nHost: ${options.hostname}\r\nConnection: close\r\n\r\n`;
  const first = await exchange(address, port, { send: request, timeoutMs, enough: (data) => data.length >= 8 && !data.subarray(0, 5).equals(Buffer.from('HTTP/')) || data.includes('\r\n\r\n') });
  const fromFirst = classifyBytes(first.data);
  if (fromFirst === 'http') return identifyHttp(`http://${urlHost(options.hostname)}:${port}`, 'http', options.fetch, timeoutMs);
  if (fromFirst) return identity(fromFirst);

  const ping = await exchange(address, port, { send: 'PING\r\n', timeoutMs, enough: (data) => data.includes('\r\n') });
  if (/^[+-]/.test(ping.data.toString('latin1'))) return identity('redis');

  // PostgreSQL's SSLRequest: a PostgreSQL server answers one byte, S or N.
  const sslRequest = Buffer.from([0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f]);
  const postgres = await exchange(address, port, { send: sslRequest, timeoutMs, enough: (data) => data.length >= 1 });
  if (postgres.data.length === 1 && (postgres.data[0] === 0x53 || postgres.data[0] === 0x4e)) return identity('postgres');

  const tls = await exchange(address, port, { tls: { servername: options.hostname }, timeoutMs });
  if (tls.secure) return identifyHttp(`https://${urlHost(options.hostname)}:${port}`, 'tls', options.fetch, timeoutMs);
  return identity(first.connected && first.data.length === 0 ? 'silent' : 'unknown');
}

/** Which protocol a server's first answer is in, when the bytes say so. */
export function classifyBytes(data: Buffer): WireProtocol | undefined {
  if (data.length === 0) return undefined;
  const text = data.toString('latin1');
  if (text.startsWith('HTTP/')) return 'http';
  if (text.startsWith('AMQP')) return 'amqp';
  if (data[0] === 0x15 && data[1] === 0x03) return 'tls';
  if (text.startsWith('SSH-')) return 'ssh';
  if (text.startsWith('INFO {')) return 'nats';
  if (/^(220|421) /.test(text)) return 'smtp';
  if (data.length > 5 && data[3] === 0 && data[4] === 0x0a) return 'mysql';
  if (/^[+-](ERR|OK|PONG|NOAUTH|DENIED|WRONGPASS)/.test(text)) return 'redis';
  if (text.startsWith('E') && text.includes('SFATAL')) return 'postgres';
  return undefined;
}

/**
 * Which HTTP service is at `origin`: SutazAI (`/health`), Ollama (`/api/version`), Qdrant (`/`),
 * an OpenAI-compatible server (`/v1/models` with `data`). SutazAI and Ollama serve `/v1/models`
 * too, so they are asked first.
 */
export async function identifyHttp(origin: string, protocol: 'http' | 'tls', fetcher: typeof fetch, timeoutMs: number): Promise<ServerIdentity> {
  const scheme: WireProtocol = origin.startsWith('https:') ? 'https' : protocol === 'tls' ? 'tls' : 'http';
  const get = async (path: string) => {
    try {
      const response = await fetcher(`${origin}${path}`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, server: response.headers.get('server') ?? undefined, json };
    } catch {
      return undefined;
    }
  };
  const health = await get('/health');
  if (health === undefined) return identity(scheme);
  const software = health.server;
  const field = (json: unknown, key: string): unknown => (typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined);
  if (health.status === 200 && field(health.json, 'app') === 'SutazAI Platform API') return { protocol: scheme, service: 'sutazai', software, label: 'SutazAI' };
  const version = await get('/api/version');
  if (version?.status === 200 && typeof field(version.json, 'version') === 'string') return { protocol: scheme, service: 'ollama', software, label: `Ollama ${String(field(version.json, 'version'))}` };
  const root = await get('/');
  if (root?.status === 200 && /qdrant/i.test(String(field(root.json, 'title') ?? ''))) return { protocol: scheme, service: 'qdrant', software, label: `Qdrant ${String(field(root.json, 'version') ?? '')}`.trim() };
  const models = await get('/v1/models');
  if (models?.status === 200 && Array.isArray(field(models.json, 'data'))) return { protocol: scheme, service: 'openai-compatible', software, label: KIND_LABELS['openai-compatible'] };
  if ((models?.status === 401 || models?.status === 403) && JSON.stringify(models.json ?? '').includes('api_key')) return { protocol: scheme, service: 'openai-compatible', software, label: KIND_LABELS['openai-compatible'] };
  return { protocol: scheme, software, label: `${PROTOCOL_LABELS[scheme]}${software ? ` (${software})` : ''}` };
}

function identity(protocol: WireProtocol): ServerIdentity {
  return { protocol, label: PROTOCOL_LABELS[protocol] };
}

/** Whether an identified server is the kind a setting expects. */
export function isKind(identity: ServerIdentity, kind: ServiceKind): boolean {
  if (kind === 'postgres' || kind === 'redis') return identity.protocol === kind;
  if (kind === 'rabbitmq') return identity.protocol === 'amqp';
  return identity.service === kind || (kind === 'openai-compatible' && identity.service === 'ollama');
}

function urlHost(hostname: string): string {
  return hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
}
