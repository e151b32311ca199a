import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../llm/test-support/openai-compatible-test-server.js';
import { LOCAL_OWNER_ID } from '../platform.js';
import { getMessage, insertMessages } from '../storage/messages-repository.js';
import { createConversation } from '../storage/conversations-repository.js';
import { startTestApp } from '../http/test-support/test-app.js';
import type { StoredStreamEvent } from '../events/stream-hub.js';
import { settlesWithin } from '../llm/test-support/stream-assertions.js';

describe('chat service persistence', () => {
  let upstream: OpenAICompatibleTestServer;
  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
  });
  afterAll(() => upstream.close());

  it('writes a reply to storage while it streams, at least every second', async () => {
    upstream.script.chat = { tokens: Array.from({ length: 40 }, (_, i) => `w${i} `), delayMs: 60 };
    const t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    try {
      const turn = await t.platform.chat.startTurn({ ownerId: LOCAL_OWNER_ID, message: 'go' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const midway = await getMessage(t.platform.storage.db, LOCAL_OWNER_ID, turn.messageId);
      expect(midway!.status).toBe('generating');
      // ~1.5 s at 60 ms a token is ~25 tokens delivered; at least the first second's worth is stored.
      expect(midway!.content.length).toBeGreaterThan(4 * 10);
      expect('w0 w1 w2 '.startsWith(midway!.content.slice(0, 9))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('marks replies left generating by a dead process as interrupted at start-up, keeping their text', async () => {
    const first = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    const db = first.platform.storage.db;
    const now = Date.now();
    await createConversation(db, { owner_id: LOCAL_OWNER_ID, id: 'crashed', title: 'x', agent: null, now });
    await insertMessages(db, [{ id: 'M1', owner_id: LOCAL_OWNER_ID, conversation_id: 'crashed', role: 'assistant', content: 'half a rep', status: 'generating', now }]);
    await first.platform.storage.close();
    await first.app.close();

    const second = await startTestApp({ dir: first.dir, env: { OPENAI_BASE_URL: upstream.baseURL } });
    try {
      const message = await getMessage(second.platform.storage.db, LOCAL_OWNER_ID, 'M1');
      expect(message).toMatchObject({ status: 'interrupted', content: 'half a rep', error_code: 'GENERATION_STOPPED' });
    } finally {
      await second.close();
    }
  });

  it('stores every reply being generated as interrupted when the server shuts down', async () => {
    upstream.script.chat = { tokens: Array.from({ length: 100 }, () => 'x'), delayMs: 20 };
    const t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    const turn = await t.platform.chat.startTurn({ ownerId: LOCAL_OWNER_ID, message: 'go' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.platform.chat.close();
    const message = await getMessage(t.platform.storage.db, LOCAL_OWNER_ID, turn.messageId);
    expect(message!.status).toBe('interrupted');
    expect(message!.content.length).toBeGreaterThan(0);
    await t.close();
  });

  it('aborts the generation and ends the stream with an error when the turn cannot be stored', async () => {
    upstream.script.chat = { tokens: Array.from({ length: 100 }, () => 'x'), delayMs: 20 };
    const t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL } });
    try {
      const requestsBefore = upstream.requests.length;
      // No such user: the conversation's foreign key to users refuses the insert.
      const turn = await t.platform.chat.startTurn({ ownerId: 'no-such-user', message: 'go' });
      const events: StoredStreamEvent[] = [];
      const ended = new Promise<void>((resolve) => {
        void t.platform.chat.subscribe('no-such-user', { messageId: turn.messageId, seq: undefined, offset: 0 }, (stored) => {
          events.push(stored);
          if (stored.event.type === 'error' || stored.event.type === 'message-end') resolve();
        });
      });
      expect(await settlesWithin(ended, 2_000)).toBe(true);
      expect(events[0]?.event.type).toBe('message-start');
      expect(events.at(-1)?.event).toMatchObject({ type: 'error', code: 'INTERNAL_ERROR', message_id: turn.messageId });
      const chat = upstream.requests.slice(requestsBefore).find((request) => request.endpoint === 'chat');
      if (chat) expect(await settlesWithin(chat.disconnected, 2_000)).toBe(true);
      expect(await getMessage(t.platform.storage.db, 'no-such-user', turn.messageId)).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
