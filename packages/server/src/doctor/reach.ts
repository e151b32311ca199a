/**
 * The part every networked check shares: resolve the name, connect to the port, and when
 * either fails, find out why (a near name that resolves, the service's usual port answering,
 * localhost inside a container) and write the fix.
 */
import type { CheckRecorder } from './check-recorder.js';
import type { ServiceKind } from './doctor-report.js';
import type { DoctorEnvironment } from './environment.js';
import { identifyServer, isKind } from './identify-server.js';
import { suggestNames } from './name-suggestions.js';
import { connectTcp, hostPort, isLoopbackAddress, resolveName, stripBrackets, type Resolver } from './network.js';
import { KIND_LABELS, KNOWN_SERVICE_NAMES, defaultPort, maskUrl } from './service-kinds.js';

export interface DoctorContext {
  resolver: Resolver;
  environment: DoctorEnvironment;
  /** Budget of one round trip (a lookup, a connect, a handshake). */
  timeoutMs: number;
  /** Latency above which a dependency is reported slow. */
  slowMs: number;
  knownPorts: Record<ServiceKind, number[]>;
  /** Names worth trying when one does not resolve: /etc/hosts and the other configured hosts. */
  extraNames: string[];
  /** fetch that resolves names with `resolver` and reaches private and loopback addresses. */
  fetch: typeof fetch;
}

export interface Reached {
  address: string;
  port: number;
  /** The name as written in the URL, without brackets. */
  hostname: string;
}

/** Resolves and connects; on failure records the steps and the diagnosed problem and returns undefined. */
export async function reach(check: CheckRecorder, context: DoctorContext, url: URL): Promise<Reached | undefined> {
  const hostname = stripBrackets(url.hostname);
  const port = Number(url.port || defaultPort(url.protocol) || 0);
  const resolved = await resolveName(context.resolver, hostname, context.timeoutMs);
  if (!resolved.ok) {
    check.step('resolve', false, `${hostname} does not resolve (${resolved.reason})`, resolved.latencyMs);
    await diagnoseUnresolved(check, context, url, hostname, port);
    return undefined;
  }
  check.step('resolve', true, resolved.latencyMs === 0 && resolved.addresses[0] === hostname ? `${hostname} is an address` : `${hostname} → ${resolved.addresses.join(', ')}`, resolved.latencyMs === 0 ? null : resolved.latencyMs);

  let lastCode = '';
  let address = resolved.addresses[0]!;
  for (const candidate of resolved.addresses) {
    const connected = await connectTcp(candidate, port, context.timeoutMs);
    if (connected.ok) {
      check.step('connect', true, `TCP ${hostPort(candidate, port)} open`, connected.latencyMs);
      return { address: candidate, port, hostname };
    }
    lastCode = connected.code;
    address = candidate;
  }
  check.step('connect', false, `TCP ${hostPort(address, port)}: ${describeConnectError(lastCode, context.timeoutMs)}`);
  await diagnoseClosedPort(check, context, url, { address, port, hostname }, lastCode);
  return undefined;
}

async function diagnoseUnresolved(check: CheckRecorder, context: DoctorContext, url: URL, hostname: string, port: number): Promise<void> {
  const suggestions = await suggestNames(hostname, { resolver: context.resolver, kind: check.kind, extraNames: context.extraNames, timeoutMs: context.timeoutMs });
  const listed = suggestions.resolving.slice(0, 12);
  const message = `The host name ${hostname} in ${check.setting} does not resolve from here.${listed.length ? ` Names that do: ${listed.join(', ')}.` : ' No known service name resolves either.'}${suggestions.closest ? ` Closest match: ${suggestions.closest}.` : ''}`;
  if (!suggestions.closest) {
    check.problem('NAME_NOT_RESOLVED', message, `Use the name ${KIND_LABELS[check.kind]} has on this network: in Docker Compose the key under \`services:\` (not container_name, not the project-prefixed container name), in Kubernetes the Service's name. Then run sutazai doctor again.`);
    return;
  }
  const working = await workingPort(context, suggestions.closest, port, check.kind);
  const target = replaceHostPort(url, suggestions.closest, working.port);
  const answer = working.answers ? ` (${KIND_LABELS[check.kind]} answers there)` : '';
  check.problem('NAME_NOT_RESOLVED', message, `Set ${check.setting}=${target}${answer}. Compose and Kubernetes resolve the service name, not container names or project prefixes.`);
}

/**
 * Connection refused or no answer: the service's usual port on the same host answering means
 * the URL carries a published host port; localhost in a container means the container itself.
 */
async function diagnoseClosedPort(check: CheckRecorder, context: DoctorContext, url: URL, target: Reached, code: string): Promise<void> {
  const { address, port, hostname } = target;
  const label = KIND_LABELS[check.kind];
  if (code === 'ECONNREFUSED') {
    for (const alternative of context.knownPorts[check.kind].filter((p) => p !== port)) {
      if (!(await connectTcp(address, alternative, context.timeoutMs)).ok) continue;
      const identity = await identifyServer(address, alternative, { timeoutMs: context.timeoutMs, hostname, fetch: context.fetch });
      if (!isKind(identity, check.kind)) continue;
      const inside = context.environment.inContainer
        ? `${port} looks like the port published on the Docker host; inside the container network ${hostname} listens on ${alternative}.`
        : `${port} may be a port published for another machine or an old setting; the service listens on ${alternative}.`;
      check.problem('PUBLISHED_PORT', `Nothing listens on ${hostPort(hostname, port)}, but ${identity.label} answers on ${hostPort(hostname, alternative)}. ${inside}`, `Set ${check.setting}=${replaceHostPort(url, hostname, alternative)}. Published ports (\`ports:\` "${port}:${alternative}") are for clients outside Docker; containers talk to ${alternative}.`);
      return;
    }
  }
  if (isLoopbackAddress(hostname) && context.environment.inContainer) {
    const names = await resolvingKindNames(context, check.kind);
    const suggestion = names[0];
    const working = suggestion ? await workingPort(context, suggestion, port, check.kind) : undefined;
    check.problem(
      'LOCALHOST_IN_CONTAINER',
      `${check.setting} points at ${hostname}, and this runs inside a container (${context.environment.evidence.join('; ')}): there ${hostname} is the container itself, not ${label}.${names.length ? ` Service names of ${label} that resolve here: ${names.join(', ')}.` : ''}`,
      suggestion && working
        ? `Set ${check.setting}=${replaceHostPort(url, suggestion, working.port)}.`
        : `Use the service name of ${label} in your Compose file or chart (e.g. ${KNOWN_SERVICE_NAMES[check.kind][0] ?? 'the service'}), or host.docker.internal for a server on the Docker host (on Linux add \`extra_hosts: ["host.docker.internal:host-gateway"]\`).`,
    );
    return;
  }
  if (code === 'ECONNREFUSED') {
    check.problem('UNREACHABLE', `Nothing listens on ${hostPort(hostname, port)} (connection refused).`, `Start ${label}${isLoopbackAddress(hostname) ? ' on this machine' : ` on ${hostname}`}, or correct the host and port in ${check.setting}.`);
    return;
  }
  check.problem('UNREACHABLE', `${hostPort(hostname, port)} does not answer: ${describeConnectError(code, context.timeoutMs)}.`, `Check that ${hostname} is up and on a network this machine reaches (same Compose network, no firewall between), and the port in ${check.setting}.`);
}

/** Of the kind's usual service names, those that resolve here. */
async function resolvingKindNames(context: DoctorContext, kind: ServiceKind): Promise<string[]> {
  const names = KNOWN_SERVICE_NAMES[kind];
  const outcomes = await Promise.all(names.map((name) => resolveName(context.resolver, name, context.timeoutMs)));
  return names.filter((_, index) => outcomes[index]!.ok);
}

/** The port that answers at `host`: the given one, else one of the kind's usual ports. */
async function workingPort(context: DoctorContext, host: string, port: number, kind: ServiceKind): Promise<{ port: number; answers: boolean }> {
  const resolved = await resolveName(context.resolver, host, context.timeoutMs);
  if (!resolved.ok) return { port, answers: false };
  for (const candidate of [port, ...context.knownPorts[kind].filter((p) => p !== port)]) {
    if ((await connectTcp(resolved.addresses[0]!, candidate, context.timeoutMs)).ok) return { port: candidate, answers: true };
  }
  return { port, answers: false };
}

export function replaceHostPort(url: URL, host: string, port: number): string {
  const copy = new URL(url.href);
  copy.hostname = host.includes(':') ? `[${stripBrackets(host)}]` : host;
  copy.port = String(port);
  return maskUrl(copy);
}

export function describeConnectError(code: string, timeoutMs: number): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ETIMEDOUT': return `no answer within ${timeoutMs} ms`;
    case 'EHOSTUNREACH': return 'no route to the host (EHOSTUNREACH)';
    case 'ENETUNREACH': return 'the network is unreachable (ENETUNREACH)';
    case 'ECONNRESET': return 'the connection was reset';
    default: return code;
  }
}
