import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ConversationDetail, Message } from '../api/types';
import { apiError, eventStream, json, modelsResponse, user, type Handler } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();
const start = (routes: Record<string, Handler>) => renderApp(routes);

const messageInput = () => screen.findByTestId('message-input');
const messages = () => screen.queryAllByTestId('message');

async function send(text: string) {
  const input = await messageInput();
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

describe('signing in', () => {
  it('goes straight to the chat when the server answers /auth/me (AUTH=disabled)', async () => {
    start({ 'GET /api/v1/auth/me': () => json({ ...user, id: 'local', email: null, name: 'Local user' }) });
    expect(await messageInput()).toBeTruthy();
    expect(screen.queryByTestId('sign-in-form')).toBeNull();
    expect(screen.queryByTestId('sign-out')).toBeNull();
  });

  it('shows the sign-in form when signed out, and the API error when the password is wrong', async () => {
    const fake = start({
      'GET /api/v1/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Sign in first.'),
      'POST /api/v1/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', 'The email or the password is wrong.', 'Check both; an administrator can reset a password.'),
    });
    fireEvent.change(await screen.findByTestId('sign-in-email'), { target: { value: 'me@example.com' } });
    fireEvent.change(screen.getByTestId('sign-in-password'), { target: { value: 'wrong password' } });
    fireEvent.click(screen.getByTestId('sign-in-submit'));
    const error = await screen.findByTestId('sign-in-error');
    expect(error.textContent).toContain('The email or the password is wrong.');
    expect(error.textContent).toContain('an administrator can reset a password');
    expect(fake.requests.find((r) => r.path === '/api/v1/auth/login')?.body).toEqual({ email: 'me@example.com', password: 'wrong password' });
  });

  it('signs in and opens the chat', async () => {
    start({
      'GET /api/v1/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Sign in first.'),
      'POST /api/v1/auth/login': () => {
        document.cookie = 'sutazai_csrf=csrf-value-0123456789; Path=/';
        return json({ token: 't', expires_at: '2030-01-01T00:00:00.000Z', user });
      },
    });
    fireEvent.change(await screen.findByTestId('sign-in-email'), { target: { value: 'me@example.com' } });
    fireEvent.change(screen.getByTestId('sign-in-password'), { target: { value: 'a long passphrase' } });
    fireEvent.click(screen.getByTestId('sign-in-submit'));
    expect(await messageInput()).toBeTruthy();
    expect(screen.getByTestId('sign-out')).toBeTruthy();
  });

  it('creates the first account (the administrator) from the first-run form, then signs in', async () => {
    const fake = start({
      'GET /api/v1/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Sign in first.'),
      'POST /api/v1/auth/register': () => json({ user, pending: false }, 201),
      'POST /api/v1/auth/login': () => json({ token: 't', expires_at: '2030-01-01T00:00:00.000Z', user }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Create an account' }));
    fireEvent.change(screen.getByTestId('register-email'), { target: { value: 'me@example.com' } });
    fireEvent.change(screen.getByTestId('register-password'), { target: { value: 'a long passphrase' } });
    fireEvent.change(screen.getByTestId('register-confirm'), { target: { value: 'a long passphrase' } });
    fireEvent.click(screen.getByTestId('register-submit'));
    expect(await messageInput()).toBeTruthy();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/auth/register', 'POST /api/v1/auth/login']));
  });
});

describe('chatting', () => {
  it('streams a reply token by token, then shows the model and speed discreetly', async () => {
    const stream = { current: undefined as ReturnType<typeof eventStream> | undefined };
    const fake = start({
      'POST /api/v1/chat/stream': (_request, signal) => {
        stream.current = eventStream(signal);
        return stream.current.response;
      },
    });
    await send('Tell me a story');
    await waitFor(() => expect(stream.current).toBeDefined());
    expect(fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body).toEqual({ message: 'Tell me a story' });
    const s = stream.current!;
    act(() => s.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'user-1', model: 'stories260K', provider: 'llama-cpp' }));
    act(() => s.send('text-delta', { text: 'Once' }));
    await waitFor(() => expect(messages()[1]?.textContent).toContain('Once'));
    expect(messages()[1]?.getAttribute('data-status')).toBe('generating');
    act(() => s.send('text-delta', { text: ' upon a time' }));
    await waitFor(() => expect(messages()[1]?.textContent).toContain('Once upon a time'));
    expect(screen.getByTestId('stop-button')).toBeTruthy();
    act(() => {
      s.send('message-end', { message_id: 'msg-1', status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 5 }, timings: { time_to_first_token_ms: 85, duration_ms: 600, tokens_per_second: 9.7 } });
      s.close();
    });
    await waitFor(() => expect(messages()[1]?.getAttribute('data-status')).toBe('complete'));
    expect(within(messages()[1]!).getByTestId('message-meta').textContent).toBe('stories260K · 9.7 tok/s · first token 85 ms · 5 tokens');
    expect(window.location.pathname).toBe('/c/conv-1');
    expect(screen.getByTestId('send-button')).toBeTruthy();
  });

  it('regenerates a reply and resends an edited message, each as a new turn', async () => {
    const bodies: unknown[] = [];
    start({
      'POST /api/v1/chat/stream': (request, signal) => {
        bodies.push(request.body);
        const s = eventStream(signal);
        const n = bodies.length;
        setTimeout(() => {
          s.send('message-start', { session_id: 'conv-1', message_id: `r${n}`, user_message_id: `u${n}`, model: 'm', provider: 'p' }, `r${n}`);
          s.send('text-delta', { text: `reply ${n}` }, `r${n}`);
          s.send('message-end', { message_id: `r${n}`, status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2 }, timings: { time_to_first_token_ms: 1, duration_ms: 2, tokens_per_second: 1 } }, `r${n}`);
          s.close();
        }, 1);
        return s.response;
      },
    });
    await send('First question');
    await waitFor(() => expect(messages()[1]?.getAttribute('data-status')).toBe('complete'));
    fireEvent.click(within(messages()[1]!).getByTestId('regenerate-button'));
    await waitFor(() => expect(messages()).toHaveLength(4));
    await waitFor(() => expect(messages()[3]?.getAttribute('data-status')).toBe('complete'));
    fireEvent.click(within(messages()[0]!).getByTestId('edit-button'));
    fireEvent.change(screen.getByTestId('edit-input'), { target: { value: 'First question, better' } });
    fireEvent.click(screen.getByTestId('edit-send'));
    await waitFor(() => expect(messages()).toHaveLength(6));
    expect(bodies).toEqual([
      { message: 'First question' },
      { message: 'First question', session_id: 'conv-1' },
      { message: 'First question, better', session_id: 'conv-1' },
    ]);
  });

  it('stops a reply on the server with the Stop button and keeps the partial text', async () => {
    let s: ReturnType<typeof eventStream> | undefined;
    const fake = start({
      'POST /api/v1/chat/stream': (_request, signal) => {
        s = eventStream(signal);
        return s.response;
      },
      'POST /api/v1/chat/stream/msg-1/stop': () => {
        // The server ends the stream with message-end interrupted, as the real one does.
        setTimeout(() => {
          s!.send('message-end', { message_id: 'msg-1', status: 'interrupted', finish_reason: 'stopped', usage: { prompt_tokens: 4, completion_tokens: 1 }, timings: { time_to_first_token_ms: 50, duration_ms: 100, tokens_per_second: null } });
          s!.close();
        }, 5);
        return json({ stopped: true, message_id: 'msg-1' }, 202);
      },
    });
    document.cookie = 'sutazai_csrf=csrf-value-0123456789; Path=/';
    await send('Tell me a long story');
    await waitFor(() => expect(s).toBeDefined());
    act(() => s!.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'user-1', model: 'm', provider: 'p' }));
    act(() => s!.send('text-delta', { text: 'Once upon' }));
    await waitFor(() => expect(messages()[1]?.textContent).toContain('Once upon'));
    fireEvent.click(screen.getByTestId('stop-button'));
    await waitFor(() => expect(messages()[1]?.getAttribute('data-status')).toBe('interrupted'));
    expect(messages()[1]?.textContent).toContain('Once upon');
    expect(screen.getByTestId('interrupted-note').textContent).toContain('Stopped');
    const stop = fake.requests.find((r) => r.path === '/api/v1/chat/stream/msg-1/stop');
    expect(stop?.method).toBe('POST');
    expect(stop?.headers['x-csrf-token']).toBe('csrf-value-0123456789');
  });

  it('stops with Escape', async () => {
    let s: ReturnType<typeof eventStream> | undefined;
    const fake = start({
      'POST /api/v1/chat/stream': (_request, signal) => {
        s = eventStream(signal);
        return s.response;
      },
      'POST /api/v1/chat/stream/msg-1/stop': () => json({ stopped: true, message_id: 'msg-1' }, 202),
    });
    await send('Go on');
    await waitFor(() => expect(s).toBeDefined());
    act(() => s!.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'user-1', model: 'm', provider: 'p' }));
    await waitFor(() => expect(messages()[1]?.getAttribute('data-status')).toBe('generating'));
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/api/v1/chat/stream/msg-1/stop')).toBe(true));
  });

  it('shows the refusal with its hint and invents no reply', async () => {
    start({ 'POST /api/v1/chat/stream': () => apiError(503, 'NO_MODEL_AVAILABLE', 'No model is available to answer.', 'Get a model in one of three ways.') });
    await send('Hello?');
    const error = await screen.findByTestId('message-error');
    expect(error.textContent).toContain('No model is available to answer.');
    expect(error.textContent).toContain('Get a model in one of three ways.');
    expect(messages().map((m) => m.getAttribute('data-status'))).toEqual(['unsent', 'error']);
    expect(messages()[1]?.querySelector('.markdown')).toBeNull();
  });

  it('sends the picked model and agent', async () => {
    const fake = start({
      'GET /api/v1/models/': () => json({ ...modelsResponse, models: ['a', 'b'], count: 2, detailed: ['a', 'b'].map((name) => ({ ...modelsResponse.detailed[0]!, name })) }),
      'POST /api/v1/chat/stream': () => apiError(503, 'PROVIDER_UNREACHABLE', 'The model server could not be reached.'),
    });
    const picker = await screen.findByTestId('model-picker');
    await waitFor(() => expect(picker.querySelectorAll('option')).toHaveLength(3));
    fireEvent.change(picker, { target: { value: 'b' } });
    fireEvent.change(screen.getByTestId('agent-picker'), { target: { value: 'default' } });
    await send('Hi');
    await waitFor(() => expect(fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body).toEqual({ message: 'Hi', model: 'b', agent: 'default' }));
  });

  it('shows the three ways to get a model when there is none', async () => {
    start({ 'GET /api/v1/models/': () => json({ models: [], count: 0, default_model: null, detailed: [] }) });
    const setup = await screen.findByTestId('no-model-setup');
    expect(setup.textContent).toContain('ollama serve');
    expect(setup.textContent).toContain('OPENAI_BASE_URL');
    expect(setup.textContent).toContain('.gguf');
    expect((screen.getByTestId('message-input') as HTMLTextAreaElement).disabled).toBe(true);
  });

  it('opens a conversation of 1,000 messages with only a screenful of them in the page', async () => {
    const stored: Message[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `m${i}`, role: i % 2 === 0 ? 'user' : 'assistant', content: `Message number ${i}`, status: 'complete', model: i % 2 ? 'm' : null, provider: null,
      usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: '2025-01-01T00:00:00.000Z',
    }));
    const conversation: ConversationDetail = { id: 'big', title: 'Big', agent: 'default', message_count: 1000, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z', messages: stored };
    renderApp({ 'GET /api/v1/conversations/big': () => json(conversation) }, '/c/big');
    await screen.findByTestId('message-list');
    await waitFor(() => expect(messages().length).toBeGreaterThan(0));
    expect(messages().length).toBeLessThan(40);
    // It opens at its end (happy-dom fires no scroll event for a programmatic scroll: a browser would).
    fireEvent.scroll(screen.getByTestId('message-list'));
    await waitFor(() => expect(messages().at(-1)?.textContent).toContain('Message number 999'));
  });
});

describe('the conversation sidebar', () => {
  it('lists conversations and loads the next page from next_cursor', async () => {
    const item = (id: string) => ({ id, title: `Conversation ${id}`, agent: 'default', message_count: 2, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' });
    start({
      'GET /api/v1/conversations': (request) => json(request.path.includes('cursor=next')
        ? { items: [item('c3')], next_cursor: null }
        : { items: [item('c1'), item('c2')], next_cursor: 'next' }),
    });
    await waitFor(() => expect(screen.getAllByTestId('conversation-item')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('conversation-item')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('renames a conversation with PATCH and shows the new title', async () => {
    const fake = start({
      'GET /api/v1/conversations': () => json({ items: [{ id: 'c1', title: 'Old', agent: null, message_count: 0, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' }], next_cursor: null }),
      'PATCH /api/v1/conversations/c1': () => json({}),
    });
    fireEvent.click(await screen.findByTestId('conversation-actions'));
    fireEvent.click(screen.getByTestId('conversation-rename'));
    fireEvent.change(screen.getByTestId('rename-input'), { target: { value: 'New title' } });
    fireEvent.submit(screen.getByTestId('rename-input').closest('form')!);
    await waitFor(() => expect(screen.getByTestId('conversation-item').textContent).toContain('New title'));
    expect(fake.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ title: 'New title' });
  });
});
