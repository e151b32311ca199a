import type { ResolvedConfig } from '../config/load.js';
import type { Tracing } from './tracing.js';

/**
 * The OpenTelemetry SDK and exporter, loaded only when an endpoint is configured: every other
 * server starts without reading them (in the bundle they are a chunk of their own).
 */
export async function loadTracing(config: ResolvedConfig): Promise<Tracing | undefined> {
  if (!config.tracing) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing({
    ...config.tracing,
    serviceName: config.OTEL_SERVICE_NAME,
    sampler: config.OTEL_TRACES_SAMPLER,
    ratio: config.OTEL_TRACES_SAMPLER_ARG ?? 1,
    batchDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
  });
}
