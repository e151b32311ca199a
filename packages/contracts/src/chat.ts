import { Type, type Static } from '@sinclair/typebox';
import { Citation } from './knowledge.js';

export const MAX_MESSAGE_CHARS = 100_000;

export const ConversationId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$',
  description: 'A conversation id: chosen by the client (letters, digits, . _ : -) or made by the server.' });

/** The original system's chat request; its field names keep their meaning. */
export const ChatRequest = Type.Object({
  message: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  session_id: Type.Optional(ConversationId),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  knowledge: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 16, description: 'Knowledge bases to answer from, with citations.' })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
}, { additionalProperties: true });
export type ChatRequest = Static<typeof ChatRequest>;

export const ChatResponse = Type.Object({
  response: Type.String(),
  model: Type.String(),
  status: Type.Literal('success'),
  response_time: Type.Number({ description: 'Seconds from request to the end of the reply.' }),
  session_id: Type.String(),
  message_id: Type.String(),
  usage: Type.Optional(Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer() })),
  citations: Type.Optional(Type.Array(Citation)),
});
export type ChatResponse = Static<typeof ChatResponse>;

export const Usage = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer() });

/** Stream events (SSE `event:` names and WebSocket `type`s), noun-verb. */
export interface MessageStartEvent {
  type: 'message-start';
  session_id: string;
  message_id: string;
  user_message_id: string;
  model: string;
  provider: string;
  /** The passages the reply answers from, numbered as it cites them (turns with knowledge bases). */
  citations?: Citation[];
}
export interface TextDeltaEvent {
  type: 'text-delta';
  text: string;
}
export interface MessageEndEvent {
  type: 'message-end';
  message_id: string;
  status: 'complete' | 'interrupted';
  finish_reason: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { time_to_first_token_ms: number | null; duration_ms: number; tokens_per_second: number | null };
}
export interface StreamErrorEvent {
  type: 'error';
  code: string;
  message: string;
  hint?: string;
  message_id?: string;
}
/** The model asked for a tool; stored as part of the reply. */
export interface ToolCallEvent {
  type: 'tool-call';
  call_id: string;
  tool: string;
  arguments: Record<string, unknown>;
}
/** What the tool returned: data for the model, shown to the user. */
export interface ToolResultEvent {
  type: 'tool-result';
  call_id: string;
  tool: string;
  content: string;
  is_error: boolean;
}
/** An agent run hit one of its bounds; a `message-end` (finish_reason LIMIT_REACHED) follows. */
export interface LimitReachedEvent {
  type: 'limit-reached';
  code: 'LIMIT_REACHED';
  limit: 'steps' | 'time' | 'tokens';
  message: string;
}
export type ChatStreamEvent = MessageStartEvent | TextDeltaEvent | ToolCallEvent | ToolResultEvent | LimitReachedEvent | MessageEndEvent | StreamErrorEvent;

/** WebSocket client → server frames. */
export const ChatSocketClientFrame = Type.Union([
  Type.Object({ type: Type.Literal('chat'), ...ChatRequest.properties, last_event_id: Type.Optional(Type.String()) }),
  Type.Object({ type: Type.Literal('stop'), message_id: Type.Optional(Type.String()) }),
  Type.Object({ type: Type.Literal('resume'), last_event_id: Type.String() }),
]);
export type ChatSocketClientFrame = Static<typeof ChatSocketClientFrame>;
