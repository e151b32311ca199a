import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AgentSummary } from '../api/types';
import { apiError, json, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const limits = { max_steps: 8, max_duration_ms: 120_000, max_tokens: 8192 };
const agent = (id: string, name: string, builtin: boolean, extra: Partial<AgentSummary> = {}): AgentSummary => ({
  id, name, description: `${name} does things`, status: 'active', capabilities: ['chat'], model: null, builtin, system_prompt: `You are ${name}.`,
  tools: [], knowledge_bases: [], limits, created_at: builtin ? null : 1, updated_at: builtin ? null : 1, ...extra,
});
const jarvis = agent('jarvis', 'JARVIS', true, { tools: ['current_time'] });
const math = agent('math', 'Math', true, { tools: ['calculator'] });
const mine = agent('my-helper', 'My helper', false, { model: 'stories260K', tools: ['calculator'] });
const tools = [
  { name: 'calculator', description: 'Evaluates arithmetic', parameters: {}, source: 'builtin', enabled: true },
  { name: 'current_time', description: 'The time now', parameters: {}, source: 'builtin', enabled: true },
  { name: 'http_fetch', description: 'Fetches a web page', parameters: {}, source: 'builtin', enabled: false },
  { name: 'read_file', description: 'Reads a file', parameters: {}, source: 'mcp:files', enabled: true },
];

function agentsApi(list: AgentSummary[], routes: Record<string, (request: RecordedRequest) => Response> = {}) {
  return {
    'GET /api/v1/agents/': () => json(list),
    'GET /api/v1/tools': () => json(tools),
    ...Object.fromEntries(list.map((a) => [`GET /api/v1/agents/${a.id}`, () => json(a)])),
    ...routes,
  };
}

const item = (id: string) => screen.getAllByTestId('agent-item').find((element) => element.getAttribute('data-agent-id') === id)!;

describe('the agents page', () => {
  it('lists built-in agents as read-only templates and your own as editable', async () => {
    renderApp(agentsApi([jarvis, math, mine]), '/agents');
    await waitFor(() => expect(screen.getAllByTestId('agent-item')).toHaveLength(3));
    const builtin = within(item('math'));
    expect(builtin.getByTestId('agent-builtin')).toBeTruthy();
    expect(builtin.getByTestId('agent-edit').textContent).toBe('View');
    expect(builtin.queryByTestId('agent-delete')).toBeNull();
    const own = within(item('my-helper'));
    expect(own.queryByTestId('agent-builtin')).toBeNull();
    expect(own.getByTestId('agent-edit').textContent).toBe('Edit');
    expect(item('my-helper').textContent).toContain('stories260K · tools: calculator');
  });

  it('creates an agent with the model, tools and limits chosen, then lists it', async () => {
    let created: unknown;
    let list = [jarvis];
    const fake = renderApp(agentsApi(list, {
      'GET /api/v1/agents/': () => json(list),
      'POST /api/v1/agents/': (request) => {
        created = request.body;
        list = [jarvis, agent('pirate', 'Pirate', false)];
        return json(list[1], 201);
      },
    }), '/agents');
    fireEvent.click(await screen.findByTestId('agent-new'));
    await screen.findByTestId('agent-tool-calculator');
    fireEvent.change(screen.getByTestId('agent-name'), { target: { value: 'Pirate' } });
    fireEvent.change(screen.getByTestId('agent-id'), { target: { value: 'pirate' } });
    fireEvent.change(screen.getByTestId('agent-description'), { target: { value: 'Talks like a pirate' } });
    fireEvent.change(screen.getByTestId('agent-system-prompt'), { target: { value: 'Answer like a pirate.' } });
    fireEvent.change(screen.getByTestId('agent-model'), { target: { value: 'stories260K' } });
    fireEvent.click(screen.getByTestId('agent-tool-calculator'));
    fireEvent.click(screen.getByTestId('agent-tool-mcp:files/read_file'));
    expect((screen.getByTestId('agent-tool-http_fetch') as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('agent-max-steps'), { target: { value: '3' } });
    fireEvent.change(screen.getByTestId('agent-max-seconds'), { target: { value: '30' } });
    fireEvent.submit(screen.getByTestId('agent-form'));
    await waitFor(() => expect(window.location.pathname).toBe('/agents'));
    expect(created).toEqual({
      id: 'pirate', name: 'Pirate', description: 'Talks like a pirate', system_prompt: 'Answer like a pirate.', model: 'stories260K',
      tools: ['calculator', 'mcp:files/read_file'], limits: { max_steps: 3, max_duration_ms: 30_000, max_tokens: 8192 },
    });
    await waitFor(() => expect(screen.getAllByTestId('agent-item').map((e) => e.getAttribute('data-agent-id'))).toContain('pirate'));
    // The header's picker lists it too: the catalog was read again.
    expect(fake.requests.filter((r) => r.path === '/api/v1/agents/' && r.method === 'GET').length).toBeGreaterThanOrEqual(2);
    await waitFor(() => expect(screen.getByTestId('agent-picker').textContent).toContain('Pirate'));
  });

  it('shows the server\'s refusal with its hint and stays on the form', async () => {
    renderApp(agentsApi([jarvis], {
      'POST /api/v1/agents/': () => apiError(409, 'AGENT_EXISTS', 'An agent with this id exists already.', 'Choose another id.'),
    }), '/agents/new');
    fireEvent.change(await screen.findByTestId('agent-name'), { target: { value: 'Copycat' } });
    fireEvent.submit(screen.getByTestId('agent-form'));
    const error = await screen.findByTestId('agent-form-error');
    expect(error.getAttribute('data-code')).toBe('AGENT_EXISTS');
    expect(error.textContent).toContain('Choose another id.');
    expect(window.location.pathname).toBe('/agents/new');
  });

  it('edits your own agent with PATCH', async () => {
    let patched: unknown;
    renderApp(agentsApi([jarvis, mine], { 'PATCH /api/v1/agents/my-helper': (request) => {
      patched = request.body;
      return json({ ...mine, name: 'My better helper' });
    } }), '/agents');
    fireEvent.click(await waitFor(() => within(item('my-helper')).getByTestId('agent-edit')));
    await waitFor(() => expect((screen.getByTestId('agent-name') as HTMLInputElement).value).toBe('My helper'));
    expect(screen.queryByTestId('agent-id')).toBeNull();
    expect((screen.getByTestId('agent-tool-calculator') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByTestId('agent-name'), { target: { value: 'My better helper' } });
    fireEvent.click(screen.getByTestId('agent-tool-calculator'));
    fireEvent.change(screen.getByTestId('agent-model'), { target: { value: '' } });
    fireEvent.submit(screen.getByTestId('agent-form'));
    await waitFor(() => expect(patched).toBeDefined());
    expect(patched).toMatchObject({ name: 'My better helper', tools: [], model: null, system_prompt: 'You are My helper.' });
  });

  it('shows a built-in agent read-only and duplicates it into an editable copy', async () => {
    const copy = agent('math-copy', 'Math (copy)', false, { tools: ['calculator'] });
    const fake = renderApp(agentsApi([jarvis, math, copy], { 'POST /api/v1/agents/math/duplicate': () => json(copy, 201) }), '/agents/math');
    await screen.findByTestId('agent-read-only');
    expect((screen.getByTestId('agent-name') as HTMLInputElement).closest('fieldset')?.disabled).toBe(true);
    expect(screen.queryByTestId('agent-save')).toBeNull();
    fireEvent.click(screen.getByTestId('agent-form-duplicate'));
    await waitFor(() => expect(window.location.pathname).toBe('/agents/math-copy'));
    await waitFor(() => expect((screen.getByTestId('agent-name') as HTMLInputElement).value).toBe('Math (copy)'));
    expect(screen.queryByTestId('agent-read-only')).toBeNull();
    expect(fake.requests.find((r) => r.path === '/api/v1/agents/math/duplicate')?.method).toBe('POST');
  });

  it('deletes your agent only after you confirm', async () => {
    let list = [jarvis, mine];
    const fake = renderApp(agentsApi(list, {
      'GET /api/v1/agents/': () => json(list),
      'DELETE /api/v1/agents/my-helper': () => {
        list = [jarvis];
        return json(null, 204);
      },
    }), '/agents');
    fireEvent.click(await waitFor(() => within(item('my-helper')).getByTestId('agent-delete')));
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByTestId('agent-delete-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('agent-item')).toHaveLength(1));
    expect(screen.getByTestId('agents-own-empty')).toBeTruthy();
  });

  it('shows why a change to a built-in agent was refused', async () => {
    renderApp(agentsApi([jarvis, mine], {
      'DELETE /api/v1/agents/my-helper': () => apiError(403, 'AGENT_READ_ONLY', 'Built-in agents cannot be changed.', 'Duplicate it and change the copy.'),
    }), '/agents');
    fireEvent.click(await waitFor(() => within(item('my-helper')).getByTestId('agent-delete')));
    fireEvent.click(screen.getByTestId('agent-delete-confirm'));
    expect((await within(item('my-helper')).findByTestId('error-notice')).textContent).toContain('Duplicate it and change the copy.');
  });

  it('picks the agent for the chat with "Chat"', async () => {
    const fake = renderApp({ ...agentsApi([jarvis, mine]), 'POST /api/v1/chat/stream': () => apiError(503, 'NO_MODEL_AVAILABLE', 'No model.') }, '/agents');
    fireEvent.click(await waitFor(() => within(item('my-helper')).getByTestId('agent-chat')));
    await waitFor(() => expect(window.location.pathname).toBe('/'));
    expect((screen.getByTestId('agent-picker') as HTMLSelectElement).value).toBe('my-helper');
    const input = await screen.findByTestId('message-input');
    fireEvent.change(input, { target: { value: 'Hello' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body).toMatchObject({ agent: 'my-helper' }));
  });
});
