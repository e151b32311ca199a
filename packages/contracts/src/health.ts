import { Type, type Static } from '@sinclair/typebox';

export const HealthResponse = Type.Object({
  status: Type.Literal('healthy'),
  app: Type.Literal('SutazAI Platform API'),
});
export type HealthResponse = Static<typeof HealthResponse>;

export const ServiceStatus = Type.Union([Type.Literal('healthy'), Type.Literal('down'), Type.Literal('disabled')]);
export type ServiceStatus = Static<typeof ServiceStatus>;

export const ServiceHealth = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  status: ServiceStatus,
  required: Type.Boolean(),
  latency_ms: Type.Number(),
  detail: Type.String(),
  hint: Type.Union([Type.String(), Type.Null()]),
});
export type ServiceHealth = Static<typeof ServiceHealth>;

export const HealthDetailedResponse = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('down')]),
  healthy_count: Type.Integer(),
  total_services: Type.Integer(),
  services: Type.Array(ServiceHealth),
});
export type HealthDetailedResponse = Static<typeof HealthDetailedResponse>;
