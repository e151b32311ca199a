/**
 * The metrics `/metrics` shows: request latency by route, chat timings by provider and model,
 * active streams, queue depth, dependencies up or down, memory and event-loop delay. Code that
 * measures gets a small interface (`ChatMetrics`, `requestFinished`), not the registry.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthDetailedResponse } from '@sutazai/contracts';
import { createMetricsRegistry } from './metrics-registry.js';

/** One finished chat turn, as the chat service reports it. */
export interface TurnMeasurement {
  provider: string;
  model: string;
  status: string;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
}

export interface ChatMetrics {
  turnFinished(turn: TurnMeasurement): void;
}

export interface RequestMeasurement {
  method: string;
  /** The route's pattern (`/api/v1/chat/stream/:message_id`), never the raw URL. */
  route: string;
  statusCode: number;
  seconds: number;
}

export interface PlatformMetrics extends ChatMetrics {
  requestFinished(request: RequestMeasurement): void;
  render(): Promise<string>;
  close(): void;
}

export interface MetricSources {
  /** Streams this process is generating. */
  activeStreams(): number;
  /** The health probes' report (dependencies, and the job queue's counts in its detail). */
  health(): Promise<HealthDetailedResponse>;
  /** Probes are real round trips: a scrape reuses a report this young. Default 10 s. */
  healthCacheMs?: number;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
const TOKEN_RATE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export function createPlatformMetrics(sources: MetricSources): PlatformMetrics {
  const registry = createMetricsRegistry();
  const requestDuration = registry.histogram({ name: 'sutazai_http_request_duration_seconds', help: 'HTTP requests by route pattern, method and status class, until the response is sent.', buckets: SECONDS_BUCKETS });
  const firstToken = registry.histogram({ name: 'sutazai_chat_time_to_first_token_seconds', help: 'Time from the start of a chat turn to its first token, by provider and model.', buckets: FIRST_TOKEN_BUCKETS });
  const tokenRate = registry.histogram({ name: 'sutazai_chat_tokens_per_second', help: 'Generation speed of chat turns after the first token, by provider and model.', buckets: TOKEN_RATE_BUCKETS });
  const turns = registry.counter({ name: 'sutazai_chat_turns_total', help: 'Chat turns finished, by provider, model and status (complete, interrupted, error).' });
  const activeStreams = registry.gauge({ name: 'sutazai_active_streams', help: 'Replies this process is generating now.' });
  const queueJobs = registry.gauge({ name: 'sutazai_job_queue_jobs', help: 'Background jobs by kind and state (waiting or ready, running, dead), from the job queue\'s probe.' });
  const dependencyUp = registry.gauge({ name: 'sutazai_dependency_up', help: '1 when the dependency\'s health probe passes, 0 when it fails (disabled ones are left out).' });
  const dependencyLatency = registry.gauge({ name: 'sutazai_dependency_probe_seconds', help: 'Duration of the dependency\'s last health probe.' });
  const memory = registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory of this process.' });
  const loopDelay = registry.gauge({ name: 'sutazai_event_loop_delay_seconds', help: 'Event-loop delay since the previous scrape: quantile 0.5, 0.99 and 1 (the maximum).' });

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();

  const healthCacheMs = sources.healthCacheMs ?? 10_000;
  let health: { at: number; report: Promise<HealthDetailedResponse> } | undefined;

  registry.collect(() => {
    activeStreams.set({}, sources.activeStreams());
    memory.set({}, process.memoryUsage.rss());
    loopDelay.set({ quantile: '0.5' }, delay.count > 0 ? delay.percentile(50) / 1e9 : 0);
    loopDelay.set({ quantile: '0.99' }, delay.count > 0 ? delay.percentile(99) / 1e9 : 0);
    loopDelay.set({ quantile: '1' }, delay.count > 0 ? delay.max / 1e9 : 0);
    delay.reset();
  });
  registry.collect(async () => {
    // The first scrape waits for the probes; later ones answer with the last report while a fresh one runs.
    const last = health;
    if (!health || Date.now() - health.at > healthCacheMs) {
      const next = { at: Date.now(), report: sources.health() };
      health = next;
      next.report.catch(() => {
        if (health === next) health = last;
      });
    }
    const report = await (last && last !== health ? last.report : health.report);
    dependencyUp.reset();
    dependencyLatency.reset();
    queueJobs.reset();
    for (const service of report.services) {
      if (service.status === 'disabled') continue;
      const labels = { name: service.name, kind: service.kind };
      dependencyUp.set({ ...labels, required: String(service.required) }, service.status === 'healthy' ? 1 : 0);
      dependencyLatency.set(labels, service.latency_ms / 1000);
      if (service.name === 'job-queue') for (const count of queueCounts(service.detail)) queueJobs.set({ kind: count.kind, state: count.state }, count.count);
    }
  });

  return {
    requestFinished({ method, route, statusCode, seconds }) {
      requestDuration.observe({ method, route, status_class: `${Math.floor(statusCode / 100)}xx` }, seconds);
    },
    turnFinished({ provider, model, status, timeToFirstTokenMs, tokensPerSecond }) {
      turns.inc({ provider, model, status });
      if (timeToFirstTokenMs !== null) firstToken.observe({ provider, model }, timeToFirstTokenMs / 1000);
      if (tokensPerSecond !== null) tokenRate.observe({ provider, model }, tokensPerSecond);
    },
    render: () => registry.render(),
    close: () => delay.disable(),
  };
}

/**
 * The counts in the job queue probe's detail: in-process `3 waiting, 1 running, 0 dead-lettered`
 * (every kind together, `all`); RabbitMQ `agent-run: 3 ready, 2 consumers, 0 dead` per kind.
 * A test reads the in-process queue's real probe text and the RabbitMQ probe's format.
 */
export function queueCounts(detail: string): Array<{ kind: string; state: string; count: number }> {
  const counts: Array<{ kind: string; state: string; count: number }> = [];
  const local = /(\d+) waiting, (\d+) running, (\d+) dead-lettered/.exec(detail);
  if (local) {
    counts.push({ kind: 'all', state: 'waiting', count: Number(local[1]) }, { kind: 'all', state: 'running', count: Number(local[2]) }, { kind: 'all', state: 'dead', count: Number(local[3]) });
  }
  for (const match of detail.matchAll(/([A-Za-z0-9._-]+): (\d+) ready, (\d+) consumers, (\d+) dead/g)) {
    counts.push({ kind: match[1]!, state: 'ready', count: Number(match[2]) }, { kind: match[1]!, state: 'dead', count: Number(match[4]) });
  }
  return counts;
}
