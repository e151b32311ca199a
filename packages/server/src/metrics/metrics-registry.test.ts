import { describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../events/queue/in-process-queue.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { createPlatformMetrics, queueCounts } from './platform-metrics.js';
import { parsePrometheusText, sampleValue } from './test-support/parse-prometheus.js';

describe('metrics registry', () => {
  it('writes counters, gauges and histograms a Prometheus parser reads back', async () => {
    const registry = createMetricsRegistry();
    const requests = registry.counter({ name: 'test_requests_total', help: 'Requests.\nSecond line with \\ backslash.' });
    const temperature = registry.gauge({ name: 'test_temperature', help: 'A gauge.' });
    const latency = registry.histogram({ name: 'test_latency_seconds', help: 'A histogram.', buckets: [0.1, 1, 0.5] });
    requests.inc({ route: '/a/:id' });
    requests.inc({ route: '/a/:id' }, 2);
    requests.inc({ route: 'quote " backslash \\ newline \n end' });
    temperature.set({}, -1.5);
    for (const value of [0.05, 0.1, 0.3, 0.7, 2]) latency.observe({ method: 'GET' }, value);

    const families = parsePrometheusText(await registry.render());
    expect(families.get('test_requests_total')).toMatchObject({ type: 'counter', help: 'Requests.\nSecond line with \\ backslash.' });
    expect(sampleValue(families, 'test_requests_total', { route: '/a/:id' })).toBe(3);
    expect(sampleValue(families, 'test_requests_total', { route: 'quote " backslash \\ newline \n end' })).toBe(1);
    expect(sampleValue(families, 'test_temperature')).toBe(-1.5);
    const buckets = families.get('test_latency_seconds')!.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => [s.labels.le, s.value]);
    expect(buckets).toEqual([['0.1', 2], ['0.5', 3], ['1', 4], ['+Inf', 5]]);
    expect(sampleValue(families, 'test_latency_seconds_sum', { method: 'GET' })).toBeCloseTo(3.15);
    expect(sampleValue(families, 'test_latency_seconds_count', { method: 'GET' })).toBe(5);
  });

  it('refuses a malformed name and a metric defined twice', () => {
    const registry = createMetricsRegistry();
    expect(() => registry.counter({ name: 'bad-name', help: '' })).toThrow(/invalid metric name/);
    registry.gauge({ name: 'twice', help: '' });
    expect(() => registry.gauge({ name: 'twice', help: '' })).toThrow(/defined twice/);
    expect(() => registry.gauge({ name: 'labels', help: '' }).set({ 'bad-label': 'x' }, 1)).toThrow(/invalid label name/);
  });

  it('still answers when a collector fails', async () => {
    const registry = createMetricsRegistry();
    const gauge = registry.gauge({ name: 'kept', help: '' });
    gauge.set({}, 7);
    registry.collect(() => {
      throw new Error('probe broke');
    });
    expect(sampleValue(parsePrometheusText(await registry.render()), 'kept')).toBe(7);
  });
});

describe('platform metrics', () => {
  it('reports chat timings by provider and model, dependencies, queue depth, memory and event-loop delay', async () => {
    const queue = createInProcessQueue({ maxAttempts: 1 });
    await queue.enqueue({ id: 'j1', kind: 'agent-run', payload: null });
    await queue.enqueue({ id: 'j2', kind: 'agent-run', payload: null });
    const queueProbe = await queue.probe();
    const metrics = createPlatformMetrics({
      activeStreams: () => 3,
      health: async () => ({
        status: 'healthy', healthy_count: 2, total_services: 3,
        services: [
          { name: 'database', kind: 'sqlite', status: 'healthy', required: true, latency_ms: 1.5, detail: 'ok', hint: null },
          { name: 'ollama', kind: 'ollama', status: 'disabled', required: false, latency_ms: 0, detail: 'off', hint: null },
          { name: 'redis', kind: 'redis', status: 'down', required: false, latency_ms: 1000, detail: 'refused', hint: 'start it' },
          { name: 'job-queue', kind: 'in-process', status: 'healthy', required: false, latency_ms: 0, detail: queueProbe.detail, hint: null },
        ],
      }),
    });
    try {
      metrics.turnFinished({ provider: 'openai', model: 'gpt-x', status: 'complete', timeToFirstTokenMs: 300, tokensPerSecond: 42 });
      metrics.turnFinished({ provider: 'openai', model: 'gpt-x', status: 'error', timeToFirstTokenMs: null, tokensPerSecond: null });
      metrics.requestFinished({ method: 'GET', route: '/api/v1/conversations/:id', statusCode: 404, seconds: 0.02 });
      const families = parsePrometheusText(await metrics.render());
      expect(sampleValue(families, 'sutazai_chat_time_to_first_token_seconds_count', { provider: 'openai', model: 'gpt-x' })).toBe(1);
      expect(sampleValue(families, 'sutazai_chat_time_to_first_token_seconds_sum', { provider: 'openai', model: 'gpt-x' })).toBeCloseTo(0.3);
      expect(sampleValue(families, 'sutazai_chat_tokens_per_second_bucket', { provider: 'openai', model: 'gpt-x', le: '50' })).toBe(1);
      expect(sampleValue(families, 'sutazai_chat_turns_total', { status: 'error' })).toBe(1);
      expect(sampleValue(families, 'sutazai_http_request_duration_seconds_count', { route: '/api/v1/conversations/:id', status_class: '4xx', method: 'GET' })).toBe(1);
      expect(sampleValue(families, 'sutazai_active_streams')).toBe(3);
      expect(sampleValue(families, 'sutazai_dependency_up', { name: 'database', required: 'true' })).toBe(1);
      expect(sampleValue(families, 'sutazai_dependency_up', { name: 'redis' })).toBe(0);
      expect(sampleValue(families, 'sutazai_dependency_up', { name: 'ollama' })).toBeUndefined();
      expect(sampleValue(families, 'sutazai_job_queue_jobs', { state: 'waiting' })).toBe(2);
      expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
      expect(sampleValue(families, 'sutazai_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    } finally {
      metrics.close();
      await queue.close();
    }
  });

  it('reads the job counts of both queue adapters\' probe texts', () => {
    expect(queueCounts('in-process: 3 waiting, 1 running, 0 dead-lettered (jobs do not survive a restart; set AMQP_URL for that)')).toEqual([
      { kind: 'all', state: 'waiting', count: 3 }, { kind: 'all', state: 'running', count: 1 }, { kind: 'all', state: 'dead', count: 0 },
    ]);
    expect(queueCounts('RabbitMQ 3.12.1 at 127.0.0.1:5672; agent-run: 4 ready, 2 consumers, 1 dead; ingest: 0 ready, 1 consumers, 0 dead')).toEqual([
      { kind: 'agent-run', state: 'ready', count: 4 }, { kind: 'agent-run', state: 'dead', count: 1 },
      { kind: 'ingest', state: 'ready', count: 0 }, { kind: 'ingest', state: 'dead', count: 0 },
    ]);
  });
});
