/**
 * The OpenTelemetry SDK as this server uses it: spans batched in the background and sent as
 * OTLP/HTTP JSON, so a receiver that is slow or down never delays a request (a full queue
 * drops spans); W3C trace context in and out; the sampler OTEL_TRACES_SAMPLER names. Loaded
 * by `loadTracing` only when an endpoint is configured.
 */
import { trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type ReadableSpan, type Sampler, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingTarget } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { settledWithin } from '../events/queue/job-policy.js';
import type { Logger } from '../logger.js';
import { createChatTracing, traceRetrieval, traceTools } from './chat-spans.js';
import { instrumentApp } from './http-spans.js';
import { traceQueue } from './job-spans.js';
import { traceProvider } from './model-call-spans.js';
import type { SpanTools } from './span-tools.js';
import type { Tracing } from './tracing.js';

export interface OtelTracingOptions extends TracingTarget {
  serviceName: string;
  sampler: Config['OTEL_TRACES_SAMPLER'];
  ratio: number;
  /** How long finished spans wait to be sent in a batch. */
  batchDelayMs: number;
}

/** A graceful stop waits this long at most for the receiver to take the last spans. */
const CLOSE_WAIT_MS = 3000;
/** How long one export may take, retries included (OpenTelemetry's default is 10 s). */
const EXPORT_TIMEOUT_MS = 5000;
const FAILURE_REPORT_INTERVAL_MS = 60_000;

export function createOtelTracing(options: OtelTracingOptions): Tracing {
  const contexts = new AsyncLocalStorageContextManager().enable();
  let logger: Logger | undefined;
  const exporter = reportingFailures(new OTLPTraceExporter({ url: options.url, headers: options.headers, timeoutMillis: EXPORT_TIMEOUT_MS }), options.url, () => logger);
  const provider = new TracerProvider({
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES, as the specification says.
    resource: resourceFromAttributes({ ...options.resourceAttributes, [ATTR_SERVICE_NAME]: options.serviceName }),
    sampler: sampler(options),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.batchDelayMs, exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
  });
  const tools: SpanTools = { tracer: provider.getTracer('sutazai'), contexts, propagator: new W3CTraceContextPropagator() };
  const requestLogs = new WeakMap<object, SpanContext>();

  return {
    logFields(_mergeObject, _level, log): Record<string, string> {
      const span = requestLogs.get(log) ?? trace.getSpanContext(contexts.active());
      // A new object each time: pino merges the line's own fields into it.
      return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
    useLogger(next) {
      logger = next;
    },
    instrumentApp: (app) => instrumentApp(app, tools, requestLogs),
    chat: createChatTracing(tools),
    traceProvider: (model) => traceProvider(model, tools),
    traceRetrieval: (retrieval) => traceRetrieval(retrieval, tools),
    traceTools: (registry) => traceTools(registry, tools),
    traceQueue: (queue) => traceQueue(queue, tools),
    propagate(fetch) {
      const propagating = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        const active = contexts.active();
        if (!trace.getSpanContext(active)) return fetch(input, init);
        const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
        tools.propagator.inject(active, headers, { set: (carrier, key, value) => carrier.set(key, value) });
        return fetch(input, { ...init, headers });
      };
      return Object.assign(propagating, { close: () => fetch.close() });
    },
    async close() {
      await settledWithin(provider.shutdown(), CLOSE_WAIT_MS);
      contexts.disable();
    },
  };
}

function sampler(options: OtelTracingOptions): Sampler {
  const root = { always_on: new AlwaysOnSampler(), always_off: new AlwaysOffSampler(), traceidratio: new TraceIdRatioBasedSampler(options.ratio) };
  const name = options.sampler.replace(/^parentbased_/, '') as keyof typeof root;
  return options.sampler.startsWith('parentbased_') ? new ParentBasedSampler({ root: root[name] }) : root[name];
}

/** The exporter, telling the log when exports fail (at most once a minute): the spans are lost, the requests are not. */
function reportingFailures(exporter: SpanExporter, url: string, logger: () => Logger | undefined): SpanExporter {
  let lastReport = 0;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && Date.now() - lastReport > FAILURE_REPORT_INTERVAL_MS) {
          lastReport = Date.now();
          logger()?.warn({ url, spans: spans.length, reason: result.error?.message ?? 'unknown' }, 'traces could not be exported; they are dropped until the receiver answers');
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
