import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AgentSummary, Run } from '../api/types';
import { apiError, eventStream, json, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const limits = { max_steps: 8, max_duration_ms: 120_000, max_tokens: 8192 };
const math: AgentSummary = {
  id: 'math', name: 'Math', description: 'Counts', status: 'active', capabilities: ['chat'], model: null, builtin: true, system_prompt: 'You count.',
  tools: ['calculator'], knowledge_bases: [], limits, created_at: null, updated_at: null,
};
const run = (extra: Partial<Run> = {}): Run => ({
  id: 'r1', agent_id: 'math', status: 'queued', input: 'What is 6 times 7?', result: null, error_code: null, error_message: null, attempts: 0,
  conversation_id: null, message_id: null, created_at: Date.parse('2025-01-01T10:00:00Z'), updated_at: 1, finished_at: null, ...extra,
});
const end = { message_id: 'm1', status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 5 }, timings: { time_to_first_token_ms: 10, duration_ms: 50, tokens_per_second: 5 } };

function runsApi(routes: Record<string, (request: RecordedRequest, signal: AbortSignal | undefined) => Response>) {
  return {
    'GET /api/v1/agents/': () => json([math]),
    'GET /api/v1/agents/math': () => json(math),
    'GET /api/v1/tools': () => json([]),
    ...routes,
  };
}

describe('runs in the background', () => {
  it("starts a run from an agent's page and opens it", async () => {
    const fake = renderApp(runsApi({
      'POST /api/v1/agents/math/runs': () => json(run(), 202),
      'GET /api/v1/runs/r1': () => json(run()),
    }), '/agents/math');
    fireEvent.change(await screen.findByTestId('run-input-field'), { target: { value: '  What is 6 times 7?  ' } });
    fireEvent.click(screen.getByTestId('run-start'));
    await screen.findByTestId('run-page');
    expect(window.location.pathname).toBe('/runs/r1');
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({ input: 'What is 6 times 7?' });
    expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('queued');
    expect(screen.getByTestId('run-waiting')).toBeTruthy();
    expect(screen.getByTestId('run-input').textContent).toBe('What is 6 times 7?');
  });

  it("shows the server's reason when a run cannot start", async () => {
    renderApp(runsApi({ 'POST /api/v1/agents/math/runs': () => apiError(503, 'QUEUE_UNAVAILABLE', 'The job queue did not accept the run.', 'Check AMQP_URL.') }), '/agents/math');
    fireEvent.change(await screen.findByTestId('run-input-field'), { target: { value: 'x' } });
    fireEvent.click(screen.getByTestId('run-start'));
    const error = await screen.findByTestId('run-start-error');
    expect(error.textContent).toContain('The job queue did not accept the run.');
    expect(error.textContent).toContain('Check AMQP_URL.');
    expect(window.location.pathname).toBe('/agents/math');
  });

  it('follows a queued run: waits for it to start, then shows its text and tool calls live, then its end', async () => {
    let current = run();
    const events = { current: undefined as ReturnType<typeof eventStream> | undefined };
    const fake = renderApp(runsApi({
      'GET /api/v1/runs/r1': () => json(current),
      'GET /api/v1/runs/r1/events': (_request, signal) => {
        events.current = eventStream(signal);
        return events.current.response;
      },
    }), '/runs/r1');
    await screen.findByTestId('run-waiting');
    expect(fake.requests.some((r) => r.path.endsWith('/events'))).toBe(false); // 409 RUN_NOT_STARTED while queued: not asked
    current = run({ status: 'running', attempts: 1, conversation_id: 'conv-9', message_id: 'm1' });
    await waitFor(() => expect(events.current).toBeDefined(), { timeout: 3000 });
    const s = events.current!;
    act(() => {
      s.send('message-start', { session_id: 'conv-9', message_id: 'm1', user_message_id: 'u1', model: 'scripted', provider: 'openai' }, 'm1');
      s.send('tool-call', { call_id: 'c1', tool: 'calculator', arguments: { expression: '6*7' } }, 'm1');
    });
    const call = await screen.findByTestId('tool-call');
    expect(call.getAttribute('data-state')).toBe('running');
    expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('running');
    expect(screen.getByTestId('run-cancel')).toBeTruthy();
    act(() => {
      s.send('tool-result', { call_id: 'c1', tool: 'calculator', content: '42', is_error: false }, 'm1');
      s.send('text-delta', { text: 'It is **42**.' }, 'm1');
    });
    await waitFor(() => expect(within(screen.getByTestId('run-reply')).getByText('42', { selector: 'strong' })).toBeTruthy());
    current = run({ status: 'succeeded', attempts: 1, conversation_id: 'conv-9', message_id: 'm1', result: 'It is **42**.', finished_at: current.created_at + 2500 });
    act(() => {
      s.send('message-end', { ...end, message_id: 'm1' }, 'm1');
      s.close();
    });
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('succeeded'));
    expect(screen.getByTestId('run-page').textContent).toContain('took 2.5 s');
    expect(screen.queryByTestId('run-cancel')).toBeNull();
    expect(screen.getByTestId('tool-call').getAttribute('data-state')).toBe('done');
    expect(screen.getByTestId('message').getAttribute('data-status')).toBe('complete');
    fireEvent.click(screen.getByTestId('run-conversation'));
    await waitFor(() => expect(window.location.pathname).toBe('/c/conv-9'));
  });

  it('resumes the events after the connection drops, from the last event it got', async () => {
    const current = run({ status: 'running', attempts: 1, conversation_id: 'conv-9', message_id: 'm1' });
    const opened: RecordedRequest[] = [];
    const streams: ReturnType<typeof eventStream>[] = [];
    renderApp(runsApi({
      'GET /api/v1/runs/r1': () => json(current),
      'GET /api/v1/runs/r1/events': (request, signal) => {
        opened.push(request);
        const s = eventStream(signal);
        streams.push(s);
        return s.response;
      },
    }), '/runs/r1');
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      streams[0]!.send('text-delta', { text: 'Half ' }, 'm1');
      streams[0]!.fail(new TypeError('network error'));
    });
    await waitFor(() => expect(streams).toHaveLength(2), { timeout: 4000 });
    expect(opened[1]!.headers['last-event-id']).toBe('m1:1:0');
    act(() => {
      streams[1]!.send('text-delta', { text: 'and whole.' }, 'm1');
      streams[1]!.send('message-end', { ...end, message_id: 'm1' }, 'm1');
      streams[1]!.close();
    });
    await waitFor(() => expect(screen.getByTestId('message').querySelector('.message-body')?.textContent).toBe('Half and whole.'));
  }, 10_000);

  it('cancels a running run', async () => {
    let current = run({ status: 'running', attempts: 1, message_id: 'm1', conversation_id: 'c' });
    const fake = renderApp(runsApi({
      'GET /api/v1/runs/r1': () => json(current),
      'GET /api/v1/runs/r1/events': (_request, signal) => eventStream(signal).response,
      'POST /api/v1/runs/r1/cancel': () => {
        current = run({ ...current, status: 'cancelled', error_code: 'RUN_CANCELLED', error_message: 'Cancelled by its owner.', finished_at: current.created_at + 1000 });
        return json(current);
      },
    }), '/runs/r1');
    fireEvent.click(await screen.findByTestId('run-cancel'));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('cancelled'));
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/api/v1/runs/r1/cancel']);
    expect(screen.getByTestId('run-cancelled').textContent).toBe('Cancelled by its owner. What it wrote until then is kept.');
    expect(screen.queryByTestId('run-error')).toBeNull();
    expect(screen.queryByTestId('run-cancel')).toBeNull();
  });

  it('shows the result and error of a run that ended without a reply to replay', async () => {
    renderApp(runsApi({
      'GET /api/v1/runs/r1': () => json(run({ status: 'failed', attempts: 3, error_code: 'PROVIDER_UNAVAILABLE', error_message: 'No model answered.', finished_at: Date.parse('2025-01-01T10:00:05Z') })),
    }), '/runs/r1');
    const error = await screen.findByTestId('run-error');
    expect(error.textContent).toContain('The run failed (PROVIDER_UNAVAILABLE).');
    expect(error.textContent).toContain('No model answered.');
    expect(screen.getByTestId('run-page').textContent).toContain('attempt 3');
  });

  it('lists runs with their status, refreshes them while one is active, and opens one', async () => {
    let items = [run({ id: 'r2', status: 'running', message_id: 'm2', input: 'Plan my week\nwith details' }), run({ id: 'r1', status: 'succeeded', finished_at: run().created_at + 65_000 })];
    const fake = renderApp(runsApi({
      'GET /api/v1/runs': (request) => json(request.path.includes('cursor=') ? { items: [run({ id: 'r0', status: 'failed' })], next_cursor: null } : { items, next_cursor: 'page2' }),
      'GET /api/v1/runs/r2': () => json(items[0]),
      'GET /api/v1/runs/r2/events': (_request, signal) => eventStream(signal).response,
    }), '/runs');
    await waitFor(() => expect(screen.getAllByTestId('run-item')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('run-item') as [HTMLElement, HTMLElement];
    expect(first.getAttribute('data-status')).toBe('running');
    expect(first.textContent).toContain('Math');
    expect(first.textContent).toContain('Plan my week');
    expect(first.textContent).not.toContain('with details');
    expect(second.textContent).toContain('took 1 min 5 s');

    items = [{ ...items[0]!, status: 'succeeded' }, items[1]!];
    await waitFor(() => expect(screen.getAllByTestId('run-item')[0]!.getAttribute('data-status')).toBe('succeeded'), { timeout: 4000 });
    const reads = fake.requests.filter((r) => r.path === '/api/v1/runs').length;
    await new Promise((resolve) => setTimeout(resolve, 2300));
    expect(fake.requests.filter((r) => r.path === '/api/v1/runs').length).toBe(reads); // nothing active: no more reading

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('run-item')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    fireEvent.click(within(screen.getAllByTestId('run-item')[0]!).getByRole('link'));
    await screen.findByTestId('run-page');
    expect(window.location.pathname).toBe('/runs/r2');
  }, 15_000);
});
