import { describe, expect, it } from 'vitest';
import { runHealthChecks, type HealthProbe } from '../../health/health-checks.js';
import { createSystemHealthTool } from './system-health.js';

const probes: HealthProbe[] = [
  { name: 'database', kind: 'sqlite', required: true, modelProvider: false, run: async () => ({ status: 'healthy', latencyMs: 1.23, detail: 'SQLite /data/sutazai.db' }) },
  { name: 'ollama', kind: 'ollama', required: false, modelProvider: true, run: async () => ({ status: 'down', latencyMs: 5, detail: 'connect ECONNREFUSED 10.0.0.5:11434', hint: 'Start Ollama.' }) },
];
const tool = createSystemHealthTool({ check: () => runHealthChecks(probes) });
const signal = new AbortController().signal;

describe('system_health tool', () => {
  it('reports the same probes as /health/detailed, with details for admins', async () => {
    const result = await tool.execute({}, { ownerId: 'admin', signal, role: 'admin' });
    expect(JSON.parse(result.content)).toEqual({
      status: 'degraded', healthy_count: 1, total_services: 2,
      services: [
        { name: 'database', kind: 'sqlite', status: 'healthy', required: true, latency_ms: 1.2, detail: 'SQLite /data/sutazai.db', hint: null },
        { name: 'ollama', kind: 'ollama', status: 'down', required: false, latency_ms: 5, detail: 'connect ECONNREFUSED 10.0.0.5:11434', hint: 'Start Ollama.' },
      ],
    });
  });

  it('hides details and hints from other users', async () => {
    for (const context of [{ ownerId: 'u1', signal, role: 'user' as const }, { ownerId: 'u1', signal }]) {
      const report = JSON.parse((await tool.execute({}, context)).content) as { services: Record<string, unknown>[] };
      expect(report.services[1]).toEqual({ name: 'ollama', kind: 'ollama', status: 'down', required: false, latency_ms: 5 });
    }
  });

  it('takes no arguments', async () => {
    expect(await tool.execute({ verbose: true }, { ownerId: 'u1', signal })).toEqual({ isError: true, content: 'Unknown argument "verbose"; this tool takes no arguments.' });
  });
});
