/**
 * What every span-making file here shares: the tracer, the context manager and the
 * propagator of this server's tracing (never OpenTelemetry's globals, so two servers in one
 * process, as tests run them, do not share a trace pipeline), and how a span fails.
 */
import { SpanStatusCode, trace, type Context, type ContextManager, type Span, type SpanOptions, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { toAppError } from '../chat/provider-errors.js';

export interface SpanTools {
  tracer: Tracer;
  contexts: ContextManager;
  propagator: TextMapPropagator;
}

/** Span attributes outside the OpenTelemetry conventions are named `sutazai.*`. */
export const attributes = {
  requestId: 'sutazai.request_id',
  errorCode: 'sutazai.error_code',
  outcome: 'sutazai.outcome',
  outcomeCode: 'sutazai.outcome.code',
  timeToFirstTokenMs: 'sutazai.time_to_first_token_ms',
} as const;

/** A span that is a child of the current one, and the context to run its work in. */
export function startChild(tools: SpanTools, name: string, options: SpanOptions): { span: Span; context: Context } {
  const parent = tools.contexts.active();
  const span = tools.tracer.startSpan(name, options, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `work` in a child span that ends when it settles; a throw fails the span with its code. */
export async function inSpan<T>(tools: SpanTools, name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const { span, context } = startChild(tools, name, options);
  try {
    return await tools.contexts.with(context, () => work(span));
  } catch (error) {
    markFailed(span, errorCode(error));
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Marks a span failed with a catalogue code. Never with the error's message or stack: a
 * provider's error may quote the prompt, the reply or a credential.
 */
export function markFailed(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** The catalogue code a user would see for this error. */
export function errorCode(error: unknown): string {
  return toAppError(error).code;
}
