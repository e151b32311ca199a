import { Type, type Static } from '@sinclair/typebox';

export const AgentId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Lower-case letters, digits, - and _; unique per user (built-in ids are taken).' });

/** Bounds on one agent run; reaching one ends the run with a LIMIT_REACHED event. */
export const AgentLimits = Type.Object({
  max_steps: Type.Integer({ minimum: 1, maximum: 50, default: 8, description: 'Model calls in one run (each tool round is one).' }),
  max_duration_ms: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 120_000, description: 'Wall time of one run.' }),
  max_tokens: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 8192, description: 'Completion tokens over the whole run.' }),
}, { additionalProperties: false });
export type AgentLimits = Static<typeof AgentLimits>;

/** Tool entries: a tool name (`calculator`), a whole MCP server (`mcp:<server>`) or one of its tools (`mcp:<server>/<tool>`). */
export const ToolEntry = Type.String({ minLength: 1, maxLength: 200, pattern: '^(mcp:[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)?|[a-z][a-z0-9_]*)$' });

/** What an agent is: the shape of a built-in agent file and of a user's agent. */
export const AgentDefinition = Type.Object({
  id: AgentId,
  name: Type.String({ minLength: 1, maxLength: 80 }),
  description: Type.String({ maxLength: 500 }),
  system_prompt: Type.String({ maxLength: 20_000 }),
  model: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { description: 'A model id from GET /api/v1/models/, or null for the default model.' }),
  tools: Type.Array(ToolEntry, { maxItems: 64 }),
  knowledge_bases: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 32 }),
  limits: AgentLimits,
}, { additionalProperties: false });
export type AgentDefinition = Static<typeof AgentDefinition>;

export const AgentCreateRequest = Type.Object({
  id: Type.Optional(AgentId),
  name: AgentDefinition.properties.name,
  description: Type.Optional(AgentDefinition.properties.description),
  system_prompt: Type.Optional(AgentDefinition.properties.system_prompt),
  model: Type.Optional(AgentDefinition.properties.model),
  tools: Type.Optional(AgentDefinition.properties.tools),
  knowledge_bases: Type.Optional(AgentDefinition.properties.knowledge_bases),
  limits: Type.Optional(Type.Partial(AgentLimits)),
}, { additionalProperties: false });
export type AgentCreateRequest = Static<typeof AgentCreateRequest>;

export const AgentUpdateRequest = Type.Partial(Type.Omit(AgentCreateRequest, ['id']), { additionalProperties: false });
export type AgentUpdateRequest = Static<typeof AgentUpdateRequest>;

export const AgentDuplicateRequest = Type.Object({
  id: Type.Optional(AgentId),
  name: Type.Optional(AgentDefinition.properties.name),
}, { additionalProperties: false });
export type AgentDuplicateRequest = Static<typeof AgentDuplicateRequest>;

/** An agent as listed: the original summary fields plus its definition. */
export const AgentSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.String(),
  capabilities: Type.Array(Type.String()),
  model: Type.Union([Type.String(), Type.Null()]),
  builtin: Type.Boolean(),
  system_prompt: Type.String(),
  tools: Type.Array(Type.String()),
  knowledge_bases: Type.Array(Type.String()),
  limits: AgentLimits,
  created_at: Type.Union([Type.Integer(), Type.Null()]),
  updated_at: Type.Union([Type.Integer(), Type.Null()]),
});
export type AgentSummary = Static<typeof AgentSummary>;

export const AgentList = Type.Array(AgentSummary);

export const ToolSummary = Type.Object({
  name: Type.String(),
  description: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown()),
  source: Type.String({ description: '`builtin` or `mcp:<server>`.' }),
  enabled: Type.Boolean(),
});
export type ToolSummary = Static<typeof ToolSummary>;

export const RunStatus = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);
export type RunStatus = Static<typeof RunStatus>;

export const RunCreateRequest = Type.Object({
  input: Type.String({ minLength: 1, maxLength: 100_000 }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
}, { additionalProperties: false });
export type RunCreateRequest = Static<typeof RunCreateRequest>;

export const Run = Type.Object({
  id: Type.String(),
  agent_id: Type.String(),
  status: RunStatus,
  input: Type.String(),
  result: Type.Union([Type.String(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  conversation_id: Type.Union([Type.String(), Type.Null()], { description: 'The conversation the run writes to, once started.' }),
  message_id: Type.Union([Type.String(), Type.Null()], { description: "The reply being generated: its events stream at GET /api/v1/runs/{id}/events." }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  finished_at: Type.Union([Type.Integer(), Type.Null()]),
});
export type Run = Static<typeof Run>;

export const RunList = Type.Object({
  items: Type.Array(Run),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type RunList = Static<typeof RunList>;

export const RunListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });
export type RunListQuery = Static<typeof RunListQuery>;
