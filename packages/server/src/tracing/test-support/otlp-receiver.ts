/**
 * A real OTLP/HTTP receiver for tests: `POST /v1/traces` with the JSON encoding (what the
 * exporter sends), answered as a collector answers. Spans are kept flattened, with their
 * resource's attributes, for assertions.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { startLocalHttpServer } from '../../net/test-support/local-http-server.js';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base address, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  spans: ReceivedSpan[];
  /** Headers of each export request. */
  exports: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3, consumer: 5 } as const;

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: IncomingHttpHeaders[] = [];
  const server = await startLocalHttpServer((request, response) => {
    if (request.method !== 'POST' || request.path !== '/v1/traces' || !String(request.headers['content-type']).startsWith('application/json')) {
      response.writeHead(404).end();
      return;
    }
    exports.push(request.headers);
    spans.push(...flatten(JSON.parse(request.body) as ExportRequest));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  return { url: server.origin, spans, exports, close: () => server.close() };
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue { key: string; value: AnyValue }
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
        attributes?: KeyValue[]; status?: { code?: number; message?: string }; events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

function flatten(body: ExportRequest): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = values(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId ?? '',
      name: span.name,
      kind: span.kind,
      attributes: values(span.attributes),
      status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
      events: (span.events ?? []).map((event) => ({ name: event.name, attributes: values(event.attributes) })),
      resource,
    })));
  });
}

function values(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));
}

function plain(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}
