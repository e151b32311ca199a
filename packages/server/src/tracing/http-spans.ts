/**
 * One server span per HTTP request, named by the route's pattern (`POST /api/v1/chat/stream`),
 * continuing the trace of an incoming W3C `traceparent`. The request's handling runs in the
 * span's context, so what the route does (a chat turn, a model call) becomes its children.
 */
import { ROOT_CONTEXT, SpanKind, trace, type Span, type SpanContext } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { attributes, markFailed, type SpanTools } from './span-tools.js';

/** Polled by orchestrators and Prometheus every few seconds: spans of them would bury the rest. */
const UNTRACED_ROUTES = new Set(['/health', '/metrics']);
/** The error boundary's body starts with the catalogue code. */
const ERROR_CODE = /^\{"error":\{"code":"([A-Z0-9_]+)"/;

/**
 * `requestLogs` maps each traced request's logger to its span, so the lines Fastify writes
 * outside the request's context ("request completed") carry the trace too.
 */
export function instrumentApp(app: FastifyInstance, tools: SpanTools, requestLogs: WeakMap<object, SpanContext>): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  const errorCodes = new WeakMap<FastifyRequest, string>();

  // A callback hook, not an async one: `done` runs the rest of the request inside the span's context.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTES.has(route)) return done();
    const parent = tools.propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = tools.tracer.startSpan(route === undefined ? request.method : `${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        // The path without its query, which may hold a token.
        [ATTR_URL_PATH]: request.url.split('?', 1)[0],
        [ATTR_URL_SCHEME]: request.protocol,
        ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
        [attributes.requestId]: String(request.id),
      },
    }, parent);
    const context = trace.setSpan(parent, span);
    spans.set(request, span);
    requestLogs.set(request.log, span.spanContext());
    // `close` comes after the last byte and after a client went away mid-stream alike (`finish` only in the first case).
    reply.raw.once('close', () => {
      if (reply.raw.headersSent) {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.raw.statusCode);
        // A server span fails on 5xx only: a 4xx is the client's mistake (its code is still recorded).
        if (reply.raw.statusCode >= 500) markFailed(span, errorCodes.get(request) ?? String(reply.raw.statusCode));
      }
      span.end();
    });
    // The body arrives in events of the socket's own context: bound, its parsing stays in the span's.
    tools.contexts.bind(context, request.raw);
    tools.contexts.with(context, done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && spans.has(request)) {
      const code = ERROR_CODE.exec(payload)?.[1];
      if (code !== undefined) {
        errorCodes.set(request, code);
        spans.get(request)!.setAttribute(attributes.errorCode, code);
      }
    }
    done(null, payload);
  });
}

const headerGetter = {
  get: (headers: FastifyRequest['headers'], key: string) => headers[key],
  keys: (headers: FastifyRequest['headers']) => Object.keys(headers),
};
