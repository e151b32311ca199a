import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorResponse } from '@sutazai/contracts';
import { AppError } from '../../errors/catalogue.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/metrics-registry.js';
import type { PlatformMetrics } from '../../metrics/platform-metrics.js';

/**
 * `GET /metrics` for Prometheus. With METRICS_TOKEN set: that token as a bearer, or an
 * administrator's session or API key. Unset: administrators only (in single-user mode,
 * everyone, as every request there is the local administrator).
 */
export function metricsRoutes(metrics: Pick<PlatformMetrics, 'render'>, options: { token: string | undefined }) {
  return async (app: FastifyInstance) => {
    app.get('/metrics', {
      // Public to the auth hook, which would refuse the metrics token; checked here instead.
      config: { public: true },
      schema: {
        tags: ['health'], summary: 'Metrics in the Prometheus text format',
        description: 'Needs `Authorization: Bearer <METRICS_TOKEN>` or an administrator\'s credential.',
        response: { 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request, reply) => {
      if (!allowed(request, options.token)) {
        if (request.principal && request.principal.credential.kind !== 'local') throw new AppError('FORBIDDEN', 'Metrics are for administrators and the metrics token.');
        throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN> or an administrator\'s token.');
      }
      return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(await metrics.render());
    });
  };
}

function allowed(request: FastifyRequest, token: string | undefined): boolean {
  const principal = request.principal;
  if (token !== undefined) {
    if (sameSecret(bearerOf(request), token)) return true;
    // The local administrator of single-user mode holds no credential: the token is needed.
    return principal?.role === 'admin' && principal.credential.kind !== 'local';
  }
  return principal?.role === 'admin';
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
