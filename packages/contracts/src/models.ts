import { Type, type Static } from '@sinclair/typebox';

export const ModelCapabilities = Type.Object({
  chat: Type.Boolean(),
  streaming: Type.Boolean(),
  tool_calls: Type.Boolean(),
  embeddings: Type.Boolean(),
  model_pull: Type.Boolean(),
});

export const ModelDetail = Type.Object({
  name: Type.String(),
  provider: Type.String(),
  provider_kind: Type.String(),
  capabilities: ModelCapabilities,
  available: Type.Boolean(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ModelDetail = Static<typeof ModelDetail>;

export const ModelsResponse = Type.Object({
  models: Type.Array(Type.String()),
  count: Type.Integer(),
  default_model: Type.Union([Type.String(), Type.Null()]),
  detailed: Type.Array(ModelDetail),
});
export type ModelsResponse = Static<typeof ModelsResponse>;

export const PullModelRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._:/@-]+$' }),
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Which provider pulls it; default: the first that can pull.' })),
}, { additionalProperties: false });
export type PullModelRequest = Static<typeof PullModelRequest>;

export const ProviderTestRequest = Type.Object({
  kind: Type.Union([Type.Literal('ollama'), Type.Literal('openai-compatible')]),
  base_url: Type.String({ minLength: 1, maxLength: 2048, description: 'For openai-compatible servers, with the /v1 path.' }),
  api_key: Type.Optional(Type.String({ maxLength: 4096 })),
}, { additionalProperties: false });
export type ProviderTestRequest = Static<typeof ProviderTestRequest>;

export const ProviderTestResponse = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('down')]),
  latency_ms: Type.Number(),
  detail: Type.String(),
  hint: Type.Union([Type.String(), Type.Null()]),
  models: Type.Array(Type.String()),
});
