import { describe, expect, it } from 'vitest';
import type { ChatStreamEvent, ConversationDetail } from '../api/types';
import { chatReducer, fromStored, initialChatState, promptOf, type ChatAction, type ChatState } from './chat-state';

const start: ChatStreamEvent = { type: 'message-start', session_id: 'conv-1', message_id: 'reply-1', user_message_id: 'user-1', model: 'stories260K', provider: 'llama-cpp' };
const delta = (text: string): ChatStreamEvent => ({ type: 'text-delta', text });
const end = (status: 'complete' | 'interrupted', finish = 'stop'): ChatStreamEvent => ({
  type: 'message-end', message_id: 'reply-1', status, finish_reason: finish,
  usage: { prompt_tokens: 5, completion_tokens: 3 }, timings: { time_to_first_token_ms: 120, duration_ms: 420, tokens_per_second: 10 },
});

function run(actions: ChatAction[], state: ChatState = initialChatState): ChatState {
  return actions.reduce(chatReducer, state);
}

const sent: ChatAction = { type: 'send', userKey: 'u', replyKey: 'r', text: 'Tell me a story', model: null };
const event = (e: ChatStreamEvent): ChatAction => ({ type: 'stream-event', replyKey: 'r', event: e });

describe('the chat reducer', () => {
  it('shows the message and a waiting reply as soon as it is sent', () => {
    const state = run([sent]);
    expect(state.messages.map((m) => [m.role, m.status, m.content])).toEqual([['user', 'sending', 'Tell me a story'], ['assistant', 'waiting', '']]);
    expect(state.activeReplyKey).toBe('r');
  });

  it('appends deltas in order and ends with the timings of message-end', () => {
    const state = run([sent, event(start), event(delta('Once')), event(delta(' upon')), event(delta(' a time')), event(end('complete'))]);
    const [userMessage, reply] = state.messages;
    expect(userMessage).toMatchObject({ id: 'user-1', status: 'complete' });
    expect(reply).toMatchObject({ id: 'reply-1', content: 'Once upon a time', status: 'complete', model: 'stories260K', completionTokens: 3 });
    expect(reply?.timings).toEqual({ timeToFirstTokenMs: 120, tokensPerSecond: 10, durationMs: 420 });
    expect(state.conversationId).toBe('conv-1');
    expect(state.activeReplyKey).toBeUndefined();
  });

  it('keeps the partial text of a stopped reply', () => {
    const state = run([sent, event(start), event(delta('Once upon')), { type: 'stop-requested', replyKey: 'r' }, event(end('interrupted', 'stopped'))]);
    expect(state.messages[1]).toMatchObject({ content: 'Once upon', status: 'interrupted', finishReason: 'stopped', stopping: false });
    expect(state.activeReplyKey).toBeUndefined();
  });

  it('shows an error event with its message and hint, keeping what arrived', () => {
    const state = run([sent, event(start), event(delta('Once')), event({ type: 'error', code: 'PROVIDER_TIMEOUT', message: 'The model server stopped answering in time.', hint: 'Retry.' })]);
    expect(state.messages[1]).toMatchObject({ content: 'Once', status: 'error', error: { code: 'PROVIDER_TIMEOUT', message: 'The model server stopped answering in time.', hint: 'Retry.' } });
  });

  it('marks the message unsent when the server refused the turn before it started', () => {
    const state = run([sent, { type: 'stream-failed', replyKey: 'r', error: { code: 'NO_MODEL_AVAILABLE', message: 'No model is available to answer.', hint: 'Get a model.' } }]);
    expect(state.messages.map((m) => m.status)).toEqual(['unsent', 'error']);
    expect(state.messages[1]?.error?.hint).toBe('Get a model.');
  });

  it('replaces the stored text when a reply is followed from its start', () => {
    const conversation: ConversationDetail = {
      id: 'conv-1', title: 'A story', agent: 'default', message_count: 2, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z',
      messages: [
        { id: 'user-1', role: 'user', content: 'Tell me a story', status: 'complete', model: null, provider: null, usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: '2025-01-01T00:00:00.000Z' },
        { id: 'reply-1', role: 'assistant', content: 'Once up', status: 'generating', model: 'm', provider: 'p', usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: '2025-01-01T00:00:00.000Z' },
      ],
    };
    let state = run([{ type: 'loaded', conversation }]);
    expect(state.activeReplyKey).toBe('reply-1');
    state = run([{ type: 'resume', replyKey: 'reply-1', fromStart: true }], state);
    expect(state.messages[1]?.content).toBe('Once up');
    const replay = (e: ChatStreamEvent): ChatAction => ({ type: 'stream-event', replyKey: 'reply-1', event: e });
    state = run([replay({ ...start, message_id: 'reply-1' }), replay(delta('Once upon')), replay(delta(' a time'))], state);
    expect(state.messages[1]?.content).toBe('Once upon a time');
  });

  it('reads stored replies with their tokens per second and why they ended', () => {
    const message = fromStored({ id: 'a', role: 'assistant', content: 'x', status: 'interrupted', model: 'm', provider: 'p', usage: { prompt_tokens: 1, completion_tokens: 20 }, time_to_first_token_ms: 500, duration_ms: 2500, error_code: 'GENERATION_STOPPED', created_at: '2025-01-01T00:00:00.000Z' });
    expect(message.timings?.tokensPerSecond).toBe(10);
    expect(message.finishReason).toBe('stopped');
  });

  it('collects tool calls with their results, once each even when a reconnect replays them', () => {
    const call: ChatStreamEvent = { type: 'tool-call', call_id: 'c1', tool: 'calculator', arguments: { expression: '6*7' } };
    const result: ChatStreamEvent = { type: 'tool-result', call_id: 'c1', tool: 'calculator', content: '42', is_error: false };
    const state = run([sent, event(start), event(call), event(call), event(result), event(delta('42')), event({ type: 'limit-reached', code: 'LIMIT_REACHED', limit: 'tokens', message: 'Out of tokens.' }), event(end('interrupted', 'LIMIT_REACHED'))]);
    expect(state.messages[1]?.toolCalls).toEqual([{ callId: 'c1', tool: 'calculator', arguments: { expression: '6*7' }, result: { content: '42', isError: false } }]);
    expect(state.messages[1]?.limitReached).toEqual({ limit: 'tokens', message: 'Out of tokens.' });
  });

  it('reads the tool calls stored with a reply, and a reply ended by a limit', () => {
    const message = fromStored({
      id: 'a', role: 'assistant', content: '42', status: 'interrupted', model: 'm', provider: 'p', usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: 'LIMIT_REACHED', created_at: '2025-01-01T00:00:00.000Z',
      tool_calls: [{ id: 'c1', tool: 'calculator', arguments: { expression: '6*7' }, content: 'Division by zero', is_error: true, step: 1 }],
    });
    expect(message.toolCalls).toEqual([{ callId: 'c1', tool: 'calculator', arguments: { expression: '6*7' }, result: { content: 'Division by zero', isError: true } }]);
    expect(message.limitReached?.limit).toBe('unknown');
  });

  it('finds the prompt a reply answered, for regenerate', () => {
    const state = run([sent, event(start), event(end('complete'))]);
    expect(promptOf(state.messages, 'r')).toBe('Tell me a story');
  });
});
