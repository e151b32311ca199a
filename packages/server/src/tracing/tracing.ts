/**
 * The tracing capability: what the rest of the server sees of OpenTelemetry. Nothing here
 * imports it; `loadTracing` loads the SDK only when an OTLP endpoint is configured, and
 * without one the platform holds no `Tracing` at all, so no hook, wrapper or span exists.
 *
 * Tracing is wired by decoration: the platform wraps providers, retrieval, tools, the job
 * queue and the model servers' fetch, and the app lets `instrumentApp` add its hooks. The
 * chat service alone takes it as an option (`ChatTracing`), because only it knows when a
 * turn ends.
 */
import type { FastifyInstance } from 'fastify';
import type { ToolRegistry } from '../agents/tools/tool.js';
import type { KnowledgeRetrieval, Turn, TurnInput, TurnOutcome } from '../chat/chat-service.js';
import type { JobQueue } from '../events/queue/job-queue.js';
import type { Provider } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import type { GuardedFetch } from '../net/outbound-guard.js';

export interface ChatTracing {
  /**
   * Runs `start` (a turn's beginning) in a chat-turn span, which ends with the turn's outcome;
   * what the turn does meanwhile (retrieval, model calls, tools) becomes its children.
   */
  turn<T extends { turn: Turn; finished: Promise<TurnOutcome> }>(input: TurnInput, start: () => Promise<T>): Promise<T>;
}

export interface Tracing {
  /** pino's `mixin`: the `trace_id` and `span_id` of the request or span a line is logged in. */
  logFields(mergeObject: object, level: number, logger: object): Record<string, string>;
  /** Where failed exports are reported (at most once a minute). */
  useLogger(logger: Logger): void;
  /** A server span for each request; call before any other hook is added. */
  instrumentApp(app: FastifyInstance): void;
  chat: ChatTracing;
  /** The provider with a span around each streamed reply and each embedding. */
  traceProvider(provider: Provider): Provider;
  traceRetrieval(retrieval: KnowledgeRetrieval): KnowledgeRetrieval;
  /** Tools that run in a span each. */
  traceTools(tools: ToolRegistry): ToolRegistry;
  /** Jobs carry the context that queued them, and each delivery runs in a span of that trace. */
  traceQueue(queue: JobQueue): JobQueue;
  /** fetch that sends the current span as `traceparent`, so a traced model server joins the trace. */
  propagate(fetch: GuardedFetch): GuardedFetch;
  /** Exports what is pending (waiting a few seconds at most for the receiver), then stops. */
  close(): Promise<void>;
}
