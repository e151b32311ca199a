import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HealthDetailedResponse, HealthResponse } from '@sutazai/contracts';
import { runHealthChecks, type HealthProbe } from '../../health/health-checks.js';

export function healthRoutes(probes: HealthProbe[]) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();
    // Liveness: answers as long as the process serves; no dependency is touched.
    api.get('/health', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthResponse } } },
      async () => ({ status: 'healthy' as const, app: 'SutazAI Platform API' as const }));

    api.get('/health/detailed', {
      config: { public: true },
      schema: { tags: ['health'], summary: 'Every dependency, each probed with a real round trip; details and hints for administrators only', response: { 200: HealthDetailedResponse, 503: HealthDetailedResponse } },
    }, async (request, reply) => {
      const report = await runHealthChecks(probes);
      // Addresses and error texts tell an attacker about the network: only admins see them.
      const full = request.principal?.role === 'admin';
      const shown = full ? report : { ...report, services: report.services.map((s) => ({ ...s, detail: s.status, hint: null })) };
      return reply.code(report.status === 'down' ? 503 : 200).send(shown);
    });
  };
}
