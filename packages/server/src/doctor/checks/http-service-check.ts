/**
 * The HTTP dependencies: Ollama, an OpenAI-compatible server, Qdrant, and SutazAI itself (the
 * UI-to-API link). After resolve and connect: http against https on the wire, then the
 * service's own probe (the model providers' `probe()`, the same one `/health/detailed` runs),
 * and when that fails, what answered instead: the right server under another path, or another
 * kind of server.
 */
import { explainDependencyFailure } from '../../health/dependency-hints.js';
import { createOllamaProvider } from '../../llm/ollama/ollama-provider.js';
import { createOpenAICompatibleProvider } from '../../llm/openai-compatible/openai-compatible-provider.js';
import type { ProbeResult, ProviderTimeouts } from '../../llm/provider.js';
import { recordCheck, type CheckRecorder } from '../check-recorder.js';
import type { DoctorCheck } from '../doctor-report.js';
import { classifyBytes, identifyHttp, identifyServer } from '../identify-server.js';
import { elapsed, errorCode, exchange } from '../network.js';
import { reach, type DoctorContext, type Reached } from '../reach.js';
import { KIND_LABELS, maskUrl } from '../service-kinds.js';
import { checkLatency, wrongKind } from './check-helpers.js';

export type HttpServiceKind = 'ollama' | 'openai-compatible' | 'qdrant' | 'sutazai' | 'otlp';

export interface HttpServiceSpec {
  name: string;
  setting: string;
  kind: HttpServiceKind;
  url: URL;
  /** Not configured, only tried at its default address: nothing there is not a problem. */
  optional?: boolean;
  /** Bearer token (OpenAI-compatible, SutazAI's /health/detailed) or api-key (Qdrant). */
  apiKey?: string;
  /** Sent as they are (the OTLP receiver's OTEL_EXPORTER_OTLP_HEADERS). */
  headers?: Record<string, string>;
}

export async function checkHttpService(spec: HttpServiceSpec, context: DoctorContext): Promise<DoctorCheck> {
  const check = recordCheck({ name: spec.name, setting: spec.setting, kind: spec.kind, target: maskUrl(spec.url) });
  const reached = await reach(check, context, spec.url);
  if (!reached) {
    if (!spec.optional) return check.finish();
    const skipped = recordCheck({ name: spec.name, setting: spec.setting, kind: spec.kind, target: maskUrl(spec.url) });
    skipped.note(`${spec.setting} is not set and nothing answers at ${maskUrl(spec.url)}: ${KIND_LABELS[spec.kind]} is not used. Set ${spec.setting} to use it.`);
    return skipped.finish('skipped');
  }
  if (!(await checkScheme(check, context, reached, spec.url))) return check.finish();
  switch (spec.kind) {
    case 'ollama': await probeOllama(check, context, reached, spec); break;
    case 'openai-compatible': await probeOpenAICompatible(check, context, reached, spec); break;
    case 'qdrant': await probeQdrant(check, context, reached, spec); break;
    case 'sutazai': await probeSutazai(check, context, reached, spec); break;
    case 'otlp': await probeOtlp(check, context, reached, spec); break;
  }
  return check.finish();
}

const HTTP_REQUEST = (host: string) => `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

/** http:// must meet a plain-text HTTP server and https:// a TLS one; each mistake is told apart from "not HTTP at all". */
async function checkScheme(check: CheckRecorder, context: DoctorContext, reached: Reached, url: URL): Promise<boolean> {
  const plain = () => exchange(reached.address, reached.port, { send: HTTP_REQUEST(reached.hostname), timeoutMs: context.timeoutMs, enough: (data) => data.includes('\r\n') });
  const secure = () => exchange(reached.address, reached.port, { tls: { servername: reached.hostname }, timeoutMs: context.timeoutMs });
  if (url.protocol === 'http:') {
    const answer = await plain();
    if (classifyBytes(answer.data) === 'http') {
      check.step('handshake', true, `HTTP: ${answer.data.toString('latin1').split('\r\n')[0]}`);
      return true;
    }
    if ((await secure()).secure) {
      check.step('handshake', false, 'the server speaks TLS (https), not plain HTTP');
      check.problem('SCHEME_MISMATCH', `${check.setting} says http://, but ${reached.hostname}:${reached.port} speaks https (TLS).`, `Set ${check.setting}=${withScheme(url, 'https:')}.`);
      return false;
    }
  } else {
    const tls = await secure();
    if (tls.secure) {
      check.step('handshake', true, 'TLS');
      return true;
    }
    if (classifyBytes((await plain()).data) === 'http') {
      check.step('handshake', false, `no TLS handshake (${tls.end}); the server speaks plain HTTP`);
      check.problem('SCHEME_MISMATCH', `${check.setting} says https://, but ${reached.hostname}:${reached.port} speaks plain HTTP.`, `Set ${check.setting}=${withScheme(url, 'http:')} (or put TLS in front of it).`);
      return false;
    }
  }
  check.step('handshake', false, 'no HTTP answer');
  wrongKind(check, reached, await identifyServer(reached.address, reached.port, { timeoutMs: context.timeoutMs, hostname: reached.hostname, fetch: context.fetch }));
  return false;
}

function timeoutsOf(context: DoctorContext): ProviderTimeouts {
  return { connectMs: context.timeoutMs, firstTokenMs: context.timeoutMs, betweenTokensMs: context.timeoutMs };
}

async function runProbe(check: CheckRecorder, context: DoctorContext, probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  const started = performance.now();
  const result = await probe();
  const latency = elapsed(started);
  if (result.status === 'healthy') {
    check.step('version', true, result.detail, latency);
    if (result.hint) check.note(result.hint);
    checkLatency(check, context, latency);
  } else {
    check.step('version', false, result.detail, latency);
  }
  return result;
}

async function probeOllama(check: CheckRecorder, context: DoctorContext, reached: Reached, spec: HttpServiceSpec): Promise<void> {
  const provider = createOllamaProvider({ baseURL: spec.url.href, timeouts: timeoutsOf(context), fetch: context.fetch, probeTimeoutMs: context.timeoutMs });
  const result = await runProbe(check, context, () => provider.probe());
  if (result.status === 'healthy') {
    check.version = /^Ollama [^,]+/.exec(result.detail)?.[0] ?? null;
    return;
  }
  if (recognised(check, result.detail) || timedOut(check, context, result.detail)) return;
  const identity = await identifyHttp(spec.url.origin, 'http', context.fetch, context.timeoutMs);
  if (identity.service === 'ollama') {
    check.problem('PATH_PREFIX', `Ollama answers at ${spec.url.origin}, not under the path ${spec.url.pathname} of ${spec.setting}.`, `Set ${spec.setting}=${spec.url.origin} (the server's root: SutazAI adds /api/... itself; /v1 is for OPENAI_BASE_URL).`);
    return;
  }
  const instead = identity.service === 'openai-compatible' ? `It is an OpenAI-compatible server: unset ${spec.setting} and set OPENAI_BASE_URL=${spec.url.origin}/v1 instead. ` : '';
  wrongKind(check, reached, identity, instead);
}

async function probeOpenAICompatible(check: CheckRecorder, context: DoctorContext, reached: Reached, spec: HttpServiceSpec): Promise<void> {
  const provider = createOpenAICompatibleProvider({ baseURL: spec.url.href, apiKey: spec.apiKey, timeouts: timeoutsOf(context), fetch: context.fetch, probeTimeoutMs: context.timeoutMs });
  const result = await runProbe(check, context, () => provider.probe());
  if (result.status === 'healthy') return;
  const status = Number(/answered HTTP (\d{3})/.exec(result.detail)?.[1] ?? 0);
  if (status === 401 || status === 403) {
    check.problem('BAD_CREDENTIALS', `The server refused the API key (HTTP ${status}).`, spec.apiKey ? 'Correct OPENAI_API_KEY (the key this server expects).' : 'The server needs a key: set OPENAI_API_KEY.');
    return;
  }
  if (recognised(check, result.detail) || timedOut(check, context, result.detail)) return;
  const base = spec.url.pathname.replace(/\/+$/, '');
  for (const candidate of pathCandidates(base)) {
    const answer = await getJson(context, `${spec.url.origin}${candidate}/models`, spec.apiKey ? { authorization: `Bearer ${spec.apiKey}` } : {});
    if (answer.status !== 200 || !Array.isArray(field(answer.json, 'data'))) continue;
    const why = /(\/v1){2,}$/.test(base) ? '/v1 is doubled'
      : !/\/v1$/.test(base) ? '/v1 is missing'
      : 'the path is not the API root';
    check.problem('PATH_PREFIX', `${spec.setting}=${maskUrl(spec.url)}: ${why}; the OpenAI API answers at ${spec.url.origin}${candidate}/models.`, `Set ${spec.setting}=${spec.url.origin}${candidate} (the base URL ends in /v1, once; SutazAI adds /models, /chat/completions itself).`);
    return;
  }
  const identity = await identifyHttp(spec.url.origin, 'http', context.fetch, context.timeoutMs);
  wrongKind(check, reached, identity);
}

/** Paths where the API root may be, for a base path that 404s: /v1 added, a doubled /v1 once, a pasted endpoint cut off. */
export function pathCandidates(base: string): string[] {
  const out: string[] = [];
  const trimmed = base.replace(/\/(chat\/completions|completions|embeddings|models)$/, '');
  if (trimmed !== base) out.push(trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`);
  if (/(\/v1){2,}$/.test(base)) out.push(base.replace(/(\/v1)+$/, '/v1'));
  if (!base.endsWith('/v1')) out.push(`${base}/v1`);
  out.push('/v1');
  return [...new Set(out)].filter((candidate) => candidate !== base);
}

async function probeQdrant(check: CheckRecorder, context: DoctorContext, reached: Reached, spec: HttpServiceSpec): Promise<void> {
  const base = spec.url.href.replace(/\/+$/, '');
  const answer = await getJson(context, `${base}/`, spec.apiKey ? { 'api-key': spec.apiKey } : {});
  if (answer.status === 200 && /qdrant/i.test(String(field(answer.json, 'title') ?? ''))) {
    check.version = `Qdrant ${String(field(answer.json, 'version') ?? '')}`.trim();
    check.step('version', true, check.version, answer.latencyMs);
    checkLatency(check, context, answer.latencyMs);
    return;
  }
  check.step('version', false, answer.error ?? `HTTP ${answer.status}`, answer.latencyMs);
  if (answer.status === 401 || answer.status === 403) {
    check.problem('BAD_CREDENTIALS', `Qdrant refused the request (HTTP ${answer.status}).`, 'Set the API key Qdrant was started with (QDRANT__SERVICE__API_KEY) in SutazAI\'s Qdrant key setting.');
    return;
  }
  if (answer.error && recognised(check, answer.error)) return;
  const identity = await identifyHttp(spec.url.origin, 'http', context.fetch, context.timeoutMs);
  if (identity.service === 'qdrant') {
    check.problem('PATH_PREFIX', `Qdrant answers at ${spec.url.origin}, not under ${spec.url.pathname}.`, `Set ${spec.setting}=${spec.url.origin}.`);
    return;
  }
  wrongKind(check, reached, identity);
}

async function probeSutazai(check: CheckRecorder, context: DoctorContext, reached: Reached, spec: HttpServiceSpec): Promise<void> {
  const base = spec.url.href.replace(/\/+$/, '');
  const answer = await getJson(context, `${base}/health`);
  if (answer.status === 200 && field(answer.json, 'app') === 'SutazAI Platform API') {
    check.step('version', true, `/health: ${String(field(answer.json, 'status'))}, SutazAI Platform API`, answer.latencyMs);
    check.version = 'SutazAI Platform API';
    checkLatency(check, context, answer.latencyMs);
    await reportServerView(check, context, base, spec.apiKey);
    return;
  }
  check.step('version', false, answer.error ?? `/health answered HTTP ${answer.status}${answer.server ? ` (${answer.server})` : ''}`, answer.latencyMs);
  if (answer.error && recognised(check, answer.error)) return;
  if (answer.status === 502 || answer.status === 503 || answer.status === 504) {
    check.problem('UNREACHABLE', `${answer.server ?? 'The server'} at ${reached.hostname}:${reached.port} answers, but /health gets ${answer.status}: a reverse proxy that cannot reach SutazAI behind it, or SutazAI starting or down.`, 'Check the proxy\'s upstream: the API\'s service name and the port it listens on inside the network (PORT, 10200 by default), not a published host port. Run sutazai doctor inside the proxy\'s network to check that address.');
    return;
  }
  if (spec.url.pathname !== '/') {
    const atRoot = await getJson(context, `${spec.url.origin}/health`);
    if (atRoot.status === 200 && field(atRoot.json, 'app') === 'SutazAI Platform API') {
      check.problem('PATH_PREFIX', `SutazAI answers at ${spec.url.origin}, not under ${spec.url.pathname}.`, `Set ${spec.setting}=${spec.url.origin} (the server's root; the CLI and the web UI add /api/v1 themselves).`);
      return;
    }
  }
  wrongKind(check, reached, await identifyHttp(spec.url.origin, 'http', context.fetch, context.timeoutMs));
}

/**
 * An OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Tempo): an empty export in the
 * JSON encoding SutazAI sends, with the configured headers, must be accepted. A 404 is most
 * often the path: OTEL_EXPORTER_OTLP_ENDPOINT is the base (SutazAI adds /v1/traces), the
 * traces endpoint the full address.
 */
async function probeOtlp(check: CheckRecorder, context: DoctorContext, reached: Reached, spec: HttpServiceSpec): Promise<void> {
  const answer = await postJson(context, spec.url.href, EMPTY_EXPORT, spec.headers ?? {});
  if (answer.status >= 200 && answer.status < 300) {
    check.step('version', true, `accepted an empty OTLP/JSON export (HTTP ${answer.status})${answer.server ? `, ${answer.server}` : ''}`, answer.latencyMs);
    checkLatency(check, context, answer.latencyMs);
    return;
  }
  check.step('version', false, answer.error ?? `an empty OTLP/JSON export got HTTP ${answer.status}${answer.server ? ` (${answer.server})` : ''}`, answer.latencyMs);
  if (answer.error && (recognised(check, answer.error) || timedOut(check, context, answer.error))) return;
  if (answer.status === 401 || answer.status === 403) {
    check.problem('BAD_CREDENTIALS', `The receiver refused the export (HTTP ${answer.status}).`, 'Set the credentials it expects in OTEL_EXPORTER_OTLP_HEADERS, e.g. authorization=Bearer%20<token> (values percent-encoded).');
    return;
  }
  if (answer.status === 415) {
    check.problem('WRONG_SERVER_KIND', `The receiver at ${maskUrl(spec.url)} does not take OTLP in JSON (HTTP 415).`, 'SutazAI exports OTLP/HTTP with the JSON encoding: point it at a receiver that takes it (the OpenTelemetry Collector, Jaeger and Tempo do on port 4318).');
    return;
  }
  if (answer.status === 404 || answer.status === 405) {
    const standard = `${spec.url.origin}/v1/traces`;
    if (standard !== spec.url.href && (await postJson(context, standard, EMPTY_EXPORT, spec.headers ?? {})).status === 200) {
      check.problem('PATH_PREFIX', `${spec.setting}=${maskUrl(spec.url)}: the receiver takes traces at ${standard}.`, `Set OTEL_EXPORTER_OTLP_ENDPOINT=${spec.url.origin} (SutazAI adds /v1/traces), or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${standard} (the full address).`);
      return;
    }
  }
  wrongKind(check, reached, await identifyHttp(spec.url.origin, 'http', context.fetch, context.timeoutMs));
}

/** An OTLP export request with no spans: every receiver must accept it, and it records nothing. */
const EMPTY_EXPORT = { resourceSpans: [] };

/** The server's own probes, when it shows them to this caller: what it cannot reach from where it runs. */
async function reportServerView(check: CheckRecorder, context: DoctorContext, base: string, token: string | undefined): Promise<void> {
  const detailed = await getJson(context, `${base}/health/detailed`, token ? { authorization: `Bearer ${token}` } : {});
  const services = field(detailed.json, 'services');
  if (!Array.isArray(services)) return;
  for (const service of services) {
    if (field(service, 'status') !== 'down') continue;
    const hint = field(service, 'hint');
    check.note(`the server reports ${String(field(service, 'name'))} down${field(service, 'detail') ? `: ${String(field(service, 'detail'))}` : ''}${hint ? ` (${String(hint)})` : ''}`);
  }
}

/** Connected and spoke HTTP, then did not answer the probe in time: as slow as a server gets. */
function timedOut(check: CheckRecorder, context: DoctorContext, detail: string): boolean {
  if (!/(did not answer|no response from .*) within \d+ ms|did not complete within/.test(detail)) return false;
  check.problem('SLOW', `${KIND_LABELS[check.kind]} accepted the connection but did not answer within ${context.timeoutMs} ms: ${detail}.`, `Check the load on it (a model loading, too little memory or CPU) and the network between; raise --timeout-ms to see how long it takes.`);
  return true;
}

function recognised(check: CheckRecorder, detail: string): boolean {
  const known = explainDependencyFailure(check.kind, detail, check.setting);
  if (!known) return false;
  check.problem(known.code, detail, known.hint);
  return true;
}

interface JsonAnswer {
  status: number;
  json: unknown;
  server: string | undefined;
  latencyMs: number;
  error?: string;
}

function getJson(context: DoctorContext, url: string, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return timedRequest(context, url, { headers });
}

function postJson(context: DoctorContext, url: string, body: unknown, headers: Record<string, string>): Promise<JsonAnswer> {
  return timedRequest(context, url, { method: 'POST', body: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } });
}

/** One request within the doctor's budget, its answer read whole (as JSON when it is). */
async function timedRequest(context: DoctorContext, url: string, init: { method?: string; body?: string; headers: Record<string, string> }): Promise<JsonAnswer> {
  const started = performance.now();
  try {
    const response = await context.fetch(url, { ...init, signal: AbortSignal.timeout(context.timeoutMs), redirect: 'manual' });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, server: response.headers.get('server') ?? undefined, latencyMs: elapsed(started) };
  } catch (error) {
    const code = errorCode(error);
    return { status: 0, json: undefined, server: undefined, latencyMs: elapsed(started), error: `${(error as Error).message}${code ? ` (${code})` : ''}` };
  }
}

function field(json: unknown, key: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
}

function withScheme(url: URL, protocol: 'http:' | 'https:'): string {
  const copy = new URL(url.href);
  copy.protocol = protocol;
  return maskUrl(copy);
}
