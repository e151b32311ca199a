/**
 * What the chat shows, as a pure reducer: messages loaded from the server, the turn being
 * sent and the reply streaming into it. Every change comes from the server's events or its
 * errors; nothing is invented on this side.
 */
import type { ShownError } from '../api/api-error';
import type { ChatStreamEvent, Citation, ConversationDetail, Message } from '../api/types';

export type MessageStatus =
  | 'sending' // a user message on its way; not stored yet
  | 'unsent' // a user message the server refused: it was not stored
  | 'waiting' // a reply whose stream has not started yet
  | 'generating'
  | 'complete'
  | 'interrupted'
  | 'error';

export interface ReplyTimings {
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
  durationMs: number | null;
}

export interface ChatMessage {
  /** Stable key for rendering: the server id once known, a local one before. */
  key: string;
  id: string | undefined;
  role: string;
  content: string;
  status: MessageStatus;
  model: string | null;
  error?: ShownError | undefined;
  timings?: ReplyTimings | undefined;
  completionTokens?: number | undefined;
  /** Why an interrupted reply ended: 'stopped', or the error code that cut it. */
  finishReason?: string | undefined;
  /** A stop was asked for and the server has not confirmed it yet. */
  stopping?: boolean;
  /** An unsent user message that never reached the server (rather than one it refused). */
  unreachable?: boolean;
  /** The stream was cut and is being resumed. */
  reconnecting?: boolean;
  /** Following a reply from its start: the stored text is shown until the replay brings it. */
  replaying?: boolean;
  /** Tools the agent called while writing this reply, in order, with their results once back. */
  toolCalls?: ToolActivity[] | undefined;
  /** The agent hit a bound (steps, time, tokens) before it answered. */
  limitReached?: { limit: string; message: string } | undefined;
  /** The knowledge-base passages the reply answers from, numbered as its [n] markers cite them. */
  citations?: Citation[] | undefined;
}

export interface ToolActivity {
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
  result?: { content: string; isError: boolean } | undefined;
}

export interface ChatState {
  conversationId: string | undefined;
  title: string | undefined;
  messages: ChatMessage[];
  /** Key of the reply streaming now, if any. */
  activeReplyKey: string | undefined;
}

export type ChatAction =
  | { type: 'reset' }
  | { type: 'loaded'; conversation: ConversationDetail }
  | { type: 'send'; userKey: string; replyKey: string; text: string; model: string | null }
  | { type: 'stream-event'; replyKey: string; event: ChatStreamEvent }
  | { type: 'resume'; replyKey: string; fromStart: boolean }
  | { type: 'reconnecting'; replyKey: string; reconnecting: boolean }
  | { type: 'stop-requested'; replyKey: string }
  | { type: 'stream-failed'; replyKey: string; error: ShownError }
  | { type: 'renamed'; title: string };

export const initialChatState: ChatState = { conversationId: undefined, title: undefined, messages: [], activeReplyKey: undefined };

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'reset':
      return initialChatState;
    case 'loaded': {
      const messages = action.conversation.messages.map(fromStored);
      const generating = [...messages].reverse().find((m) => m.role === 'assistant' && m.status === 'generating');
      return { conversationId: action.conversation.id, title: action.conversation.title, messages, activeReplyKey: generating?.key };
    }
    case 'renamed':
      return { ...state, title: action.title };
    case 'send':
      return {
        ...state,
        activeReplyKey: action.replyKey,
        messages: [
          ...state.messages,
          { key: action.userKey, id: undefined, role: 'user', content: action.text, status: 'sending', model: null },
          { key: action.replyKey, id: undefined, role: 'assistant', content: '', status: 'waiting', model: action.model },
        ],
      };
    case 'stream-event':
      return applyEvent(state, action.replyKey, action.event);
    case 'resume':
      return {
        ...state,
        activeReplyKey: action.replyKey,
        // A replay from the start repeats the text: it replaces the stored text when it comes.
        messages: update(state.messages, action.replyKey, (m) => ({ ...m, status: 'generating', reconnecting: false, replaying: action.fromStart })),
      };
    case 'reconnecting':
      return { ...state, messages: update(state.messages, action.replyKey, (m) => ({ ...m, reconnecting: action.reconnecting })) };
    case 'stop-requested':
      return { ...state, messages: update(state.messages, action.replyKey, (m) => ({ ...m, stopping: true })) };
    case 'stream-failed': {
      const index = state.messages.findIndex((m) => m.key === action.replyKey);
      const reply = state.messages[index];
      if (!reply) return state;
      const messages = state.messages.slice();
      // The text that arrived stays; the failure is shown beside it.
      messages[index] = { ...reply, status: 'error', error: action.error, stopping: false, reconnecting: false, replaying: false };
      const user = messages[index - 1];
      if (user?.role === 'user' && user.status === 'sending') messages[index - 1] = { ...user, status: 'unsent', unreachable: action.error.code === 'NETWORK_ERROR' };
      return { ...state, messages, activeReplyKey: state.activeReplyKey === action.replyKey ? undefined : state.activeReplyKey };
    }
  }
}

function applyEvent(state: ChatState, replyKey: string, event: ChatStreamEvent): ChatState {
  const index = state.messages.findIndex((m) => m.key === replyKey);
  const reply = state.messages[index];
  if (!reply) return state;
  const messages = state.messages.slice();
  switch (event.type) {
    case 'message-start': {
      messages[index] = {
        ...reply, id: event.message_id, model: event.model, status: 'generating',
        ...(reply.replaying ? { content: '', toolCalls: undefined, limitReached: undefined, replaying: false } : {}),
        ...(event.citations?.length ? { citations: event.citations } : {}),
      };
      const user = messages[index - 1];
      if (user?.role === 'user' && user.status === 'sending') messages[index - 1] = { ...user, id: event.user_message_id, status: 'complete' };
      return { ...state, conversationId: event.session_id, messages };
    }
    case 'text-delta':
      messages[index] = { ...reply, content: reply.replaying ? event.text : reply.content + event.text, status: 'generating', reconnecting: false, replaying: false };
      return { ...state, messages };
    case 'tool-call': {
      // A call seen already (a replay after a reconnect) is not shown twice.
      const known = (reply.toolCalls ?? []).filter((call) => call.callId !== event.call_id);
      messages[index] = { ...reply, status: 'generating', toolCalls: [...known, { callId: event.call_id, tool: event.tool, arguments: event.arguments }] };
      return { ...state, messages };
    }
    case 'tool-result':
      messages[index] = {
        ...reply,
        toolCalls: (reply.toolCalls ?? []).map((call) => (call.callId === event.call_id ? { ...call, result: { content: event.content, isError: event.is_error } } : call)),
      };
      return { ...state, messages };
    case 'limit-reached':
      messages[index] = { ...reply, limitReached: { limit: event.limit, message: event.message } };
      return { ...state, messages };
    case 'message-end':
      messages[index] = {
        ...reply,
        id: event.message_id,
        status: event.status,
        stopping: false,
        reconnecting: false,
        replaying: false,
        completionTokens: event.usage.completion_tokens,
        finishReason: event.finish_reason,
        timings: { timeToFirstTokenMs: event.timings.time_to_first_token_ms, tokensPerSecond: event.timings.tokens_per_second, durationMs: event.timings.duration_ms },
      };
      return { ...state, messages, activeReplyKey: state.activeReplyKey === replyKey ? undefined : state.activeReplyKey };
    case 'error':
      messages[index] = { ...reply, status: 'error', stopping: false, reconnecting: false, replaying: false, error: { code: event.code, message: event.message, hint: event.hint } };
      return { ...state, messages, activeReplyKey: state.activeReplyKey === replyKey ? undefined : state.activeReplyKey };
  }
}

function update(messages: ChatMessage[], key: string, change: (message: ChatMessage) => ChatMessage): ChatMessage[] {
  return messages.map((m) => (m.key === key ? change(m) : m));
}

const KNOWN_STATUSES = new Set<MessageStatus>(['generating', 'complete', 'interrupted', 'error']);

/** A stored message as the chat shows it; tokens per second as the server computes them. */
export function fromStored(message: Message): ChatMessage {
  const status: MessageStatus = KNOWN_STATUSES.has(message.status as MessageStatus) ? (message.status as MessageStatus) : 'complete';
  const completion = message.usage?.completion_tokens;
  const ttft = message.time_to_first_token_ms;
  const streamingMs = message.duration_ms !== null && ttft !== null ? message.duration_ms - ttft : null;
  const tokensPerSecond = completion && streamingMs && streamingMs > 0 ? Math.round((completion / (streamingMs / 1000)) * 10) / 10 : null;
  return {
    key: message.id,
    id: message.id,
    role: message.role,
    content: message.content,
    status,
    model: message.model,
    completionTokens: completion,
    finishReason: message.error_code === 'GENERATION_STOPPED' ? 'stopped' : message.error_code ?? undefined,
    timings: message.role === 'assistant' ? { timeToFirstTokenMs: ttft, tokensPerSecond, durationMs: message.duration_ms } : undefined,
    error: status === 'error' && message.error_code ? { code: message.error_code, message: `This reply failed (${message.error_code}).` } : undefined,
    citations: message.citations?.length ? message.citations : undefined,
    toolCalls: message.tool_calls?.map((call) => ({ callId: call.id, tool: call.tool, arguments: call.arguments, result: { content: call.content, isError: call.is_error } })),
    // Which bound it was is told only live (limit-reached); the stored reply keeps the code.
    limitReached: message.error_code === 'LIMIT_REACHED' ? { limit: 'unknown', message: 'The agent reached one of its limits (steps, time, tokens) before it answered.' } : undefined,
  };
}

/** The user message a reply answered: what "regenerate" sends again. */
export function promptOf(messages: ChatMessage[], replyKey: string): string | undefined {
  const index = messages.findIndex((m) => m.key === replyKey);
  for (let i = index - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === 'user') return message.content;
  }
  return undefined;
}
