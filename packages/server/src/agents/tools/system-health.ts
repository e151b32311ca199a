import type { HealthDetailedResponse } from '@sutazai/contracts';
import { argumentProblem, errorResult, textResult, type ParametersSchema } from './tool-arguments.js';
import type { Tool } from './tool.js';

const parameters: ParametersSchema = { type: 'object', properties: {}, required: [], additionalProperties: false };

export interface SystemHealthOptions {
  /** The probes of `/health/detailed`: `() => runHealthChecks(platform.probes)`. */
  check: () => Promise<HealthDetailedResponse>;
}

/**
 * SutazAI's own health, as `/health/detailed` reports it. Details and hints name addresses
 * and errors, so, as on that route, only administrators' agents see them.
 */
export function createSystemHealthTool(options: SystemHealthOptions): Tool {
  return {
    name: 'system_health',
    description: 'Reports the health of this SutazAI server: overall status and each dependency (database, model providers, MCP servers) with its status and latency.',
    parameters: parameters as unknown as Record<string, unknown>,
    source: 'builtin',
    async execute(args, context) {
      const problem = argumentProblem(parameters, args);
      if (problem) return errorResult(problem);
      const report = await options.check();
      const full = context.role === 'admin';
      return textResult(JSON.stringify({
        status: report.status,
        healthy_count: report.healthy_count,
        total_services: report.total_services,
        services: report.services.map((service) => ({
          name: service.name, kind: service.kind, status: service.status, required: service.required, latency_ms: service.latency_ms,
          ...(full ? { detail: service.detail, hint: service.hint } : {}),
        })),
      }));
    },
  };
}
