import { Type, type Static } from '@sinclair/typebox';
import { Usage } from './chat.js';
import { Citation } from './knowledge.js';

export const MessageStatus = Type.Union(['generating', 'complete', 'interrupted', 'error'].map((s) => Type.Literal(s)));

export const Message = Type.Object({
  id: Type.String(),
  role: Type.String(),
  content: Type.String(),
  status: Type.String(),
  model: Type.Union([Type.String(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  usage: Type.Union([Usage, Type.Null()]),
  time_to_first_token_ms: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  /** On a reply answered from knowledge bases: the passages, numbered as cited. */
  citations: Type.Optional(Type.Array(Citation)),
  /** On a reply of an agent with tools: each call its model made, with the result, in order. */
  tool_calls: Type.Optional(Type.Array(Type.Object({
    id: Type.String(),
    tool: Type.String(),
    arguments: Type.Record(Type.String(), Type.Unknown()),
    content: Type.String(),
    is_error: Type.Boolean(),
    step: Type.Integer(),
  }))),
});
export type Message = Static<typeof Message>;

export const ConversationSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  agent: Type.Union([Type.String(), Type.Null()]),
  message_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type ConversationSummary = Static<typeof ConversationSummary>;

export const ConversationList = Type.Object({
  items: Type.Array(ConversationSummary),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConversationList = Static<typeof ConversationList>;

export const ConversationDetail = Type.Composite([ConversationSummary, Type.Object({ messages: Type.Array(Message) })]);
export type ConversationDetail = Static<typeof ConversationDetail>;

export const ConversationListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  q: Type.Optional(Type.String({ maxLength: 500 })),
});

export const RenameConversationRequest = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });

export const ExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('md')], { default: 'json' })),
});
