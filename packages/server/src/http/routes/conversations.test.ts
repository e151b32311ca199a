import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

describe('conversations API', () => {
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: { tokens: ['Paris', ' is', ' lovely'] } });
    t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    for (const [id, message] of [['trip-paris', 'Plan a trip to Paris'], ['recipe', 'A recipe for 100% rye bread'], ['notes', 'Meeting notes']]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message, session_id: id } });
      expect(response.statusCode).toBe(200);
    }
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const get = async (url: string) => t.app.inject({ method: 'GET', url });

  it('lists conversations newest first with titles from the first message', async () => {
    const body = (await get('/api/v1/conversations')).json();
    expect(body.items.map((c: { id: string }) => c.id)).toEqual(['notes', 'recipe', 'trip-paris']);
    expect(body.items[2]).toMatchObject({ title: 'Plan a trip to Paris', message_count: 2, agent: 'jarvis' });
    expect(body.next_cursor).toBeNull();
  });

  it('pages with limit and cursor, each conversation exactly once', async () => {
    const first = (await get('/api/v1/conversations?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await get(`/api/v1/conversations?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items.map((c: { id: string }) => c.id)).toEqual(['trip-paris']);
    expect(second.next_cursor).toBeNull();
  });

  it('searches titles and message text, case-insensitively, with % taken literally', async () => {
    // "Paris" is in one title, and in every reply of the scripted model.
    expect((await get('/api/v1/conversations?q=PARIS')).json().items.map((c: { id: string }) => c.id)).toEqual(['notes', 'recipe', 'trip-paris']);
    expect((await get('/api/v1/conversations?q=TRIP')).json().items.map((c: { id: string }) => c.id)).toEqual(['trip-paris']);
    expect((await get('/api/v1/conversations?q=100%25')).json().items.map((c: { id: string }) => c.id)).toEqual(['recipe']);
    expect((await get('/api/v1/conversations?q=nothing-like-this')).json().items).toEqual([]);
  });

  it('refuses a cursor it did not make', async () => {
    const response = await get('/api/v1/conversations?cursor=garbage');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('renames a conversation', async () => {
    const response = await t.app.inject({ method: 'PATCH', url: '/api/v1/conversations/notes', payload: { title: 'Team sync' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().title).toBe('Team sync');
    expect((await get('/api/v1/conversations/notes')).json().title).toBe('Team sync');
  });

  it('exports JSON and Markdown', async () => {
    const json = await get('/api/v1/conversations/trip-paris/export?format=json');
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-disposition']).toContain('conversation-trip-paris.json');
    expect(JSON.parse(json.body).messages.map((m: { content: string }) => m.content)).toEqual(['Plan a trip to Paris', 'Paris is lovely']);
    const md = await get('/api/v1/conversations/trip-paris/export?format=md');
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toContain('# Plan a trip to Paris');
    expect(md.body).toContain('## You\n\nPlan a trip to Paris');
    expect(md.body).toContain('Paris is lovely');
    expect((await get('/api/v1/conversations/trip-paris/export?format=pdf')).statusCode).toBe(400);
  });

  it('deletes a conversation with its messages, and then it is gone', async () => {
    const response = await t.app.inject({ method: 'DELETE', url: '/api/v1/conversations/recipe' });
    expect(response.statusCode).toBe(204);
    expect((await get('/api/v1/conversations/recipe')).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/conversations/recipe' })).json().error.code).toBe('CONVERSATION_NOT_FOUND');
    const left = await t.platform.storage.db.selectFrom('messages').select('id').where('conversation_id', '=', 'recipe').execute();
    expect(left).toEqual([]);
  });

  it('answers 404 with a code for an unknown conversation on every method', async () => {
    for (const [method, url] of [['GET', '/api/v1/conversations/nope'], ['PATCH', '/api/v1/conversations/nope'], ['DELETE', '/api/v1/conversations/nope'], ['GET', '/api/v1/conversations/nope/export']] as const) {
      const response = await t.app.inject({ method, url, ...(method === 'PATCH' ? { payload: { title: 'x' } } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe('CONVERSATION_NOT_FOUND');
    }
  });
});
