import { Type, type Static } from '@sinclair/typebox';
import { MAX_MESSAGE_CHARS } from './chat.js';

/** A call the model made, as OpenAI returns it and expects it back in history: arguments are JSON text. */
export const OpenAIToolCall = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 256 }),
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128 }),
    arguments: Type.String({ maxLength: MAX_MESSAGE_CHARS, description: 'A JSON object, as text.' }),
  }, { additionalProperties: true }),
}, { additionalProperties: true });
export type OpenAIToolCall = Static<typeof OpenAIToolCall>;

/** A function the model may call; `parameters` is the JSON Schema of its arguments object. */
export const OpenAITool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 8_192 })),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  }, { additionalProperties: true }),
}, { additionalProperties: true });
export type OpenAITool = Static<typeof OpenAITool>;

/** The subset of OpenAI's chat completions request SutazAI honours; unknown fields are ignored like OpenAI-compatible servers do. */
export const OpenAIChatMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('developer'), Type.Literal('tool')]),
  // Optional: an assistant turn that only calls tools may leave it out.
  content: Type.Optional(Type.Union([
    Type.String({ maxLength: MAX_MESSAGE_CHARS }),
    Type.Array(Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) }, { additionalProperties: true }), { maxItems: 100 }),
    Type.Null(),
  ])),
  name: Type.Optional(Type.String()),
  /** On an assistant message: the calls it made. */
  tool_calls: Type.Optional(Type.Array(OpenAIToolCall, { maxItems: 64 })),
  /** On a tool message: the call this is the result of. */
  tool_call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
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
  tools: Type.Optional(Type.Array(OpenAITool, { maxItems: 128 })),
  tool_choice: Type.Optional(Type.Union([
    Type.Literal('none'),
    Type.Literal('auto'),
    Type.Literal('required'),
    Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String() }, { additionalProperties: true }) }, { additionalProperties: true }),
  ], { description: 'SutazAI honours "auto" (the default) and "none"; "required" and a named function are refused with 400.' })),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
}, { additionalProperties: true });
export type OpenAIChatCompletionRequest = Static<typeof OpenAIChatCompletionRequest>;

export const OpenAIEmbeddingsRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  input: Type.Union([Type.String({ maxLength: MAX_MESSAGE_CHARS }), Type.Array(Type.String({ maxLength: MAX_MESSAGE_CHARS }), { minItems: 1, maxItems: 2048 })]),
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
}, { additionalProperties: true });
export type OpenAIEmbeddingsRequest = Static<typeof OpenAIEmbeddingsRequest>;
