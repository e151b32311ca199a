import { Type, type Static } from '@sinclair/typebox';

export const AgentSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.String(),
  capabilities: Type.Array(Type.String()),
  model: Type.Union([Type.String(), Type.Null()]),
  builtin: Type.Boolean(),
});
export type AgentSummary = Static<typeof AgentSummary>;

export const AgentList = Type.Array(AgentSummary);
