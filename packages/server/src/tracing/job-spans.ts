/**
 * Background jobs (agent runs, document ingestion) in the trace of the request that queued
 * them: the job carries that request's `traceparent` through the queue (in memory or through
 * RabbitMQ), and each delivery runs in a consumer span, its child.
 */
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { ConsumeOptions, JobHandler, JobQueue } from '../events/queue/job-queue.js';
import { attributes, errorCode, markFailed, type SpanTools } from './span-tools.js';

export function traceQueue(queue: JobQueue, tools: SpanTools): JobQueue {
  return {
    kind: queue.kind,
    enqueue(job) {
      const carrier: { traceparent?: string } = {};
      tools.propagator.inject(tools.contexts.active(), carrier, { set: (target, key, value) => { if (key === 'traceparent') target.traceparent = value; } });
      return queue.enqueue(carrier.traceparent === undefined ? job : { ...job, trace: carrier.traceparent });
    },
    consume<P>(kind: string, handler: JobHandler<P>, options?: ConsumeOptions) {
      return queue.consume<P>(kind, async (job, context) => {
        // Never the context the queue happens to run in (the in-process queue runs in the enqueuer's): only what the job carries.
        const parent = job.trace === undefined ? ROOT_CONTEXT : tools.propagator.extract(ROOT_CONTEXT, { traceparent: job.trace }, { get: (carrier, key) => carrier[key as 'traceparent'], keys: () => ['traceparent'] });
        const span = tools.tracer.startSpan(`process ${kind}`, {
          kind: SpanKind.CONSUMER,
          attributes: { 'messaging.operation.type': 'process', 'messaging.system': queue.kind, 'messaging.destination.name': kind, 'messaging.message.id': job.id, 'sutazai.job.attempt': job.attempt },
        }, parent);
        try {
          await tools.contexts.with(trace.setSpan(parent, span), () => handler(job, context));
        } catch (error) {
          // Aborted by a shutdown or a lost broker: delivered again, not failed.
          if (context.signal.aborted) span.setAttribute(attributes.outcome, 'interrupted');
          else markFailed(span, errorCode(error));
          throw error;
        } finally {
          span.end();
        }
      }, options);
    },
    deadLetters: (kind, limit) => queue.deadLetters(kind, limit),
    probe: () => queue.probe(),
    close: () => queue.close(),
  };
}
