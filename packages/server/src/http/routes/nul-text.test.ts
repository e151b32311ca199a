/**
 * NUL characters on PostgreSQL, which cannot store them in text: a request carrying one is
 * refused with 400 (not a 500 from the database), and a model that emits one has its reply
 * stored and streamed without it. Run on the real PostgreSQL, in a schema of its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

const postgresUrl = process.env.SUTAZAI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('NUL characters on PostgreSQL', () => {
  const schema = `t_nul_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(postgresUrl);
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    upstream = await startOpenAICompatibleTestServer();
    t = await startTestApp({ env: { DATABASE_URL: `${postgresUrl}?schema=${schema}`, OPENAI_BASE_URL: upstream.baseURL, OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('refuses a message or an agent name holding one with 400 VALIDATION_FAILED naming the field', async () => {
    const chat = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'hello \u0000 world', model: 'test-model' } });
    expect(chat.statusCode).toBe(400);
    expect(chat.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('"message" contains a NUL') });
    const agent = await t.app.inject({ method: 'POST', url: '/api/v1/agents/', payload: { name: 'x\u0000y' } });
    expect(agent.statusCode).toBe(400);
    expect(agent.json().error.message).toContain('"name"');
  });

  it('stores and streams a reply without the NUL characters a model sent', async () => {
    upstream.script.chat = { tokens: ['Hi\u0000', '\u0000', ' there'] };
    const reply = await t.app.inject({ method: 'POST', url: '/api/v1/chat/', payload: { message: 'Hello', model: 'test-model' } });
    expect(reply.statusCode).toBe(200);
    const { response, session_id: sessionId } = reply.json();
    expect(response).toBe('Hi there');
    const conversation = (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${sessionId}` })).json();
    expect(conversation.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Hi there', status: 'complete' });
  });
});
