import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Citation, ConversationDetail } from '../api/types';
import { eventStream, json, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const bases = [
  { id: 'kb1', name: 'Handbook', description: '', embedding_model: null, document_count: 2, chunk_count: 9, created_at: 1, updated_at: 1 },
  { id: 'kb2', name: 'Recipes', description: '', embedding_model: null, document_count: 1, chunk_count: 3, created_at: 1, updated_at: 1 },
];
const citations: Citation[] = [
  { n: 1, document_id: 'd1', document_name: 'guide.md', knowledge_base_id: 'kb1', chunk_id: 'c1', text: 'The office opens at nine.' },
  { n: 2, document_id: 'd2', document_name: 'hostile.html', knowledge_base_id: 'kb1', chunk_id: 'c2', text: '<img src=x onerror="window.__pwned=1"> <a href="javascript:alert(1)">click</a>' },
];
const end = { message_id: 'msg-1', status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 5 }, timings: { time_to_first_token_ms: 10, duration_ms: 50, tokens_per_second: 5 } };

function chatApi() {
  const streams: ReturnType<typeof eventStream>[] = [];
  const fake = renderApp({
    'GET /api/v1/knowledge': () => json({ items: bases }),
    'POST /api/v1/chat/stream': (_request: RecordedRequest, signal) => {
      const stream = eventStream(signal);
      streams.push(stream);
      return stream.response;
    },
  });
  return { fake, streams };
}

async function send(text: string) {
  const input = await screen.findByTestId('message-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

async function attach(id: string) {
  const picker = await screen.findByTestId('knowledge-picker');
  const details = picker.closest('details')!;
  if (!details.open) {
    details.open = true;
    fireEvent(details, new Event('toggle'));
  }
  fireEvent.click(await screen.findByTestId(`knowledge-option-${id}`));
}

const reply = () => screen.getAllByTestId('message').filter((m) => m.getAttribute('data-role') === 'assistant').at(-1)!;

describe('knowledge bases in the chat', () => {
  it('sends the attached bases with this turn and the next ones of the conversation', async () => {
    const { fake, streams } = chatApi();
    await attach('kb1');
    await waitFor(() => expect(screen.getAllByTestId('knowledge-attached').map((chip) => chip.getAttribute('data-base-id'))).toEqual(['kb1']));
    expect(screen.getByTestId('knowledge-picker').textContent).toBe('Knowledge (1)');
    await send('When does the office open?');
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body).toEqual({ message: 'When does the office open?', knowledge: ['kb1'] });
    act(() => {
      streams[0]!.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'u1', model: 'm', provider: 'p', citations });
      streams[0]!.send('message-end', end);
      streams[0]!.close();
    });
    await waitFor(() => expect(reply().getAttribute('data-status')).toBe('complete'));
    expect(window.location.pathname).toBe('/c/conv-1');
    // Still attached once the new conversation has its id; the next turn sends it too.
    expect(screen.getAllByTestId('knowledge-attached')).toHaveLength(1);
    await send('And on Sundays?');
    await waitFor(() => expect(streams).toHaveLength(2));
    expect(fake.requests.filter((r) => r.path === '/api/v1/chat/stream')[1]?.body).toEqual({ message: 'And on Sundays?', session_id: 'conv-1', knowledge: ['kb1'] });
  });

  it('detaches a base, and a new conversation starts with none', async () => {
    const { fake, streams } = chatApi();
    await attach('kb1');
    await attach('kb2');
    await waitFor(() => expect(screen.getAllByTestId('knowledge-attached')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Detach Handbook' }));
    await send('Soup?');
    await waitFor(() => expect(streams).toHaveLength(1));
    expect((fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body as { knowledge?: string[] }).knowledge).toEqual(['kb2']);
    act(() => {
      streams[0]!.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'u1', model: 'm', provider: 'p' });
      streams[0]!.send('message-end', end);
      streams[0]!.close();
    });
    await waitFor(() => expect(reply().getAttribute('data-status')).toBe('complete'));
    fireEvent.click(screen.getByText('JARVIS', { selector: 'a.brand' }));
    await waitFor(() => expect(screen.queryAllByTestId('knowledge-attached')).toHaveLength(0));
  });

  it('lists the passages under the reply; its [n] markers link to them, and nothing in either is HTML', async () => {
    const { streams } = chatApi();
    await send('When does the office open?');
    await waitFor(() => expect(streams).toHaveLength(1));
    const s = streams[0]!;
    act(() => s.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'u1', model: 'm', provider: 'p', citations }));
    act(() => s.send('text-delta', { text: 'It opens at nine [1]. See also [1, 2], but not [7]. `[2]` <b>bold</b> <img src=x onerror="window.__pwned=2">' }));
    act(() => {
      s.send('message-end', end);
      s.close();
    });
    await waitFor(() => expect(reply().getAttribute('data-status')).toBe('complete'));

    const list = within(reply()).getByTestId('citations');
    const items = within(list).getAllByTestId('citation');
    expect(items.map((item) => item.querySelector('summary')?.textContent)).toEqual(['[1] guide.md', '[2] hostile.html']);
    expect(within(items[1]!).getByTestId('citation-text').textContent).toBe(citations[1]!.text);
    expect(list.querySelector('img, script, a[href^="javascript"]')).toBeNull();

    const markers = within(reply()).getAllByTestId('citation-marker');
    expect(markers.map((m) => m.textContent)).toEqual(['[1]', '[1]', '[2]']);
    expect(markers[0]!.getAttribute('href')).toBe(`#${items[0]!.id}`);
    expect(markers[0]!.getAttribute('aria-label')).toBe('Source 1: guide.md');
    const body = reply().querySelector('.message-body')!;
    expect(body.textContent).toContain('but not [7].'); // no passage 7: plain text
    expect(body.querySelector('code')?.textContent).toBe('[2]'); // code stays code
    expect(body.querySelector('b, img')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();

    const passage = items[1]!.querySelector('details')!;
    expect(passage.open).toBe(false);
    fireEvent.click(markers[2]!);
    expect(passage.open).toBe(true);
    expect(document.activeElement).toBe(passage.querySelector('summary'));
    expect(window.location.hash).toBe('');
  });

  it('shows the citations of a stored reply when the conversation is opened again', async () => {
    const conversation: ConversationDetail = {
      id: 'conv-1', title: 'Office', agent: null, message_count: 2, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z',
      messages: [
        { id: 'u1', role: 'user', content: 'When?', status: 'complete', model: null, provider: null, usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: '2025-01-01T00:00:00.000Z' },
        { id: 'a1', role: 'assistant', content: 'At nine [1].', status: 'complete', model: 'm', provider: 'p', usage: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: '2025-01-01T00:00:00.000Z', citations: [citations[0]!] },
      ],
    };
    renderApp({ 'GET /api/v1/conversations/conv-1': () => json(conversation) }, '/c/conv-1');
    const marker = await screen.findByTestId('citation-marker');
    expect(marker.textContent).toBe('[1]');
    expect(within(reply()).getByTestId('citation').textContent).toContain('guide.md');
    fireEvent.click(within(reply()).getByText('Open its knowledge base'));
    await waitFor(() => expect(window.location.pathname).toBe('/knowledge/kb1'));
  });
});
