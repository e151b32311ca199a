import type { FastifyInstance } from 'fastify';
import type { PlatformMetrics } from './platform-metrics.js';

/**
 * Times every response by its route's pattern, so `/api/v1/conversations/:id` is one series
 * however many conversations there are. Requests no route matched count as `unmatched`.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Pick<PlatformMetrics, 'requestFinished'>): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestFinished({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });
}
