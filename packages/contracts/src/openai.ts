import { Type, type Static } from '@sinclair/typebox';
import { MAX_MESSAGE_CHARS } from './chat.js';

/** The subset of OpenAI's chat completions request SutazAI honours; unknown fields are ignored like OpenAI-compatible servers do. */
export const OpenAIChatMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('developer'), Type.Literal('tool')]),
  content: Type.Union([
    Type.String({ maxLength: MAX_MESSAGE_CHARS }),
    Type.Array(Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) }, { additionalProperties: true }), { maxItems: 100 }),
    Type.Null(),
  ]),
  name: Type.Optional(Type.String()),
}, { additionalProperties: true });

export const OpenAIChatCompletionRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  messages: Type.Array(OpenAIChatMessage, { minItems: 1, maxItems: 1000 }),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })])),
  seed: Type.Optional(Type.Integer()),
  n: Type.Optional(Type.Literal(1)),
}, { additionalProperties: true });
export type OpenAIChatCompletionRequest = Static<typeof OpenAIChatCompletionRequest>;

export const OpenAIEmbeddingsRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  input: Type.Union([Type.String({ maxLength: MAX_MESSAGE_CHARS }), Type.Array(Type.String({ maxLength: MAX_MESSAGE_CHARS }), { minItems: 1, maxItems: 2048 })]),
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
}, { additionalProperties: true });
export type OpenAIEmbeddingsRequest = Static<typeof OpenAIEmbeddingsRequest>;
