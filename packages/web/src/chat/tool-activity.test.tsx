import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { eventStream } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const end = { message_id: 'msg-1', status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 5 }, timings: { time_to_first_token_ms: 10, duration_ms: 50, tokens_per_second: 5 } };

async function startReply() {
  const stream = { current: undefined as ReturnType<typeof eventStream> | undefined };
  renderApp({
    'POST /api/v1/chat/stream': (_request, signal) => {
      stream.current = eventStream(signal);
      return stream.current.response;
    },
  });
  const input = await screen.findByTestId('message-input');
  fireEvent.change(input, { target: { value: 'What is 6 times 7, and what does the page say?' } });
  fireEvent.keyDown(input, { key: 'Enter' });
  await waitFor(() => expect(stream.current).toBeDefined());
  const s = stream.current!;
  act(() => s.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'user-1', model: 'scripted', provider: 'openai' }));
  return s;
}

const reply = () => screen.getAllByTestId('message')[1]!;

describe('tool calls in a reply', () => {
  it('shows each call with its arguments, then its result, collapsed; a failed one is marked', async () => {
    const s = await startReply();
    act(() => s.send('tool-call', { call_id: 'c1', tool: 'calculator', arguments: { expression: '6*7' } }));
    const running = await within(reply()).findByTestId('tool-call');
    expect(running.getAttribute('data-state')).toBe('running');
    expect(running.textContent).toContain('calculator');
    expect(running.textContent).toContain('expression: "6*7"');
    expect((running as HTMLDetailsElement).open).toBe(false);

    act(() => s.send('tool-result', { call_id: 'c1', tool: 'calculator', content: '42', is_error: false }));
    act(() => s.send('tool-call', { call_id: 'c2', tool: 'http_fetch', arguments: { url: 'http://10.0.0.1/' } }));
    act(() => s.send('tool-result', { call_id: 'c2', tool: 'http_fetch', content: 'OUTBOUND_REQUEST_BLOCKED: SutazAI will not send a request to this address.', is_error: true }));
    act(() => s.send('text-delta', { text: '6 times 7 is 42.' }));
    act(() => {
      s.send('message-end', end);
      s.close();
    });
    await waitFor(() => expect(reply().getAttribute('data-status')).toBe('complete'));
    const calls = within(reply()).getAllByTestId('tool-call');
    expect(calls.map((c) => [c.getAttribute('data-tool'), c.getAttribute('data-state')])).toEqual([['calculator', 'done'], ['http_fetch', 'error']]);
    expect(within(calls[0]!).getByTestId('tool-arguments').textContent).toBe('{\n  "expression": "6*7"\n}');
    expect(within(calls[0]!).getByTestId('tool-result').textContent).toBe('42');
    expect(calls[1]!.textContent).toContain('failed');
    expect(within(calls[1]!).getByTestId('tool-result').textContent).toContain('OUTBOUND_REQUEST_BLOCKED');
    expect(reply().querySelector('.message-body')?.textContent).toBe('6 times 7 is 42.');
  });

  it('shows tool output as text: HTML and links in it stay inert', async () => {
    const s = await startReply();
    const hostile = '<img src=x onerror="window.__pwned=1"> [click](javascript:alert(1)) <a href="https://evil.example/">evil</a> **bold**';
    act(() => s.send('tool-call', { call_id: 'c1', tool: 'http_fetch', arguments: { url: 'https://example.com/<script>' } }));
    act(() => s.send('tool-result', { call_id: 'c1', tool: 'http_fetch', content: hostile, is_error: false }));
    const call = await within(reply()).findByTestId('tool-call');
    await waitFor(() => expect(within(call).getByTestId('tool-result').textContent).toBe(hostile));
    expect(call.querySelector('img, a, script, strong')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('says which limit the agent reached', async () => {
    const s = await startReply();
    act(() => s.send('tool-call', { call_id: 'c1', tool: 'calculator', arguments: { expression: '1+1' } }));
    act(() => s.send('limit-reached', { code: 'LIMIT_REACHED', limit: 'steps', message: 'The agent used its 3 steps before it answered.' }));
    act(() => {
      s.send('message-end', { ...end, status: 'interrupted', finish_reason: 'LIMIT_REACHED' });
      s.close();
    });
    const notice = await within(reply()).findByTestId('limit-reached');
    expect(notice.getAttribute('data-limit')).toBe('steps');
    expect(notice.textContent).toContain("Stopped at the agent's step limit.");
    expect(notice.textContent).toContain('used its 3 steps');
    // A call whose result never came is not shown as still running once the reply has ended.
    expect(within(reply()).getByTestId('tool-call').getAttribute('data-state')).toBe('no-result');
  });
});
