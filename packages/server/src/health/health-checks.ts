/**
 * One probe per dependency, each a real round trip with a short timeout. `/health/detailed`
 * (and the UI's status page) call these and nothing else; `sutazai doctor` runs the provider
 * probes itself and gives the same hints (`dependency-hints.ts`) for the same failures.
 */
import type { HealthDetailedResponse, ServiceHealth } from '@sutazai/contracts';
import type { ProbeResult } from '../llm/provider.js';
import { explainDependencyFailure } from './dependency-hints.js';

export interface HealthProbe {
  name: string;
  kind: string;
  /** A required dependency that is down makes the whole service down (503). */
  required: boolean;
  /** Counts toward "at least one model provider answers". */
  modelProvider: boolean;
  run(): Promise<ProbeResult>;
}

export async function runHealthChecks(probes: HealthProbe[], timeoutMs = 3000): Promise<HealthDetailedResponse> {
  const services = await Promise.all(probes.map((probe) => runOne(probe, timeoutMs)));
  const requiredDown = services.some((s, i) => probes[i]!.required && s.status === 'down');
  const providerUp = services.some((s, i) => probes[i]!.modelProvider && s.status === 'healthy');
  return {
    status: requiredDown ? 'down' : providerUp ? 'healthy' : 'degraded',
    healthy_count: services.filter((s) => s.status === 'healthy').length,
    total_services: services.length,
    services,
  };
}

async function runOne(probe: HealthProbe, timeoutMs: number): Promise<ServiceHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', latencyMs: timeoutMs, detail: `no answer within ${timeoutMs} ms`, hint: `Check that ${probe.name} is running and reachable.` }), timeoutMs);
  });
  try {
    const result = await Promise.race([probe.run(), timeout]);
    return { name: probe.name, kind: probe.kind, status: result.status, required: probe.required, latency_ms: round(result.latencyMs), detail: result.detail, hint: (result.status === 'down' ? recognised(probe.kind, result.detail) : undefined) ?? result.hint ?? null };
  } catch (error) {
    const detail = (error as Error).message;
    return { name: probe.name, kind: probe.kind, status: 'down', required: probe.required, latency_ms: round(performance.now() - started), detail, hint: recognised(probe.kind, detail) ?? `Check that ${probe.name} is running and reachable.` };
  } finally {
    clearTimeout(timer);
  }
}

/** A failure recognised for certain (bad password, unknown host, TLS mismatch) gets the hint `sutazai doctor` gives too. */
function recognised(kind: string, detail: string): string | undefined {
  return explainDependencyFailure(kind, detail)?.hint;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Times a round trip and reports it in the probe's shape. */
export async function timed(action: () => Promise<string>, hint: string): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const detail = await action();
    return { status: 'healthy', latencyMs: performance.now() - started, detail };
  } catch (error) {
    return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint };
  }
}
