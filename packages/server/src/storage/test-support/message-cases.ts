import { expect, it } from 'vitest';
import { newId } from '../ids.js';
import { finishMessage, getMessage, insertMessages, interruptStaleGenerations, listMessages, recentMessages, saveProgress } from '../messages-repository.js';
import type { ConformanceContext } from './storage-conformance.js';
import { T0, createConversationFor, createOwner, message } from './storage-test-data.js';

export function messageCases(context: ConformanceContext): void {
  it('listMessages returns a conversation oldest first, whatever the insertion order', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const [first, second, third] = [newId(), newId(), newId()];
    await insertMessages(db, [
      message(owner, 'c1', third!, { now: T0 + 2 }),
      message(owner, 'c1', first!, { now: T0 }),
      message(owner, 'c1', second!, { now: T0 + 1 }),
    ]);
    expect((await listMessages(db, owner, 'c1')).map((m) => m.id)).toEqual([first, second, third]);
  });

  it('orders messages made in the same millisecond by their monotonic ids', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const now = Date.now();
    const ids = Array.from({ length: 40 }, () => newId(now));
    const shuffled = [...ids].sort(() => Math.random() - 0.5);
    await insertMessages(db, shuffled.map((id) => message(owner, 'c1', id, { now })));
    expect((await listMessages(db, owner, 'c1')).map((m) => m.id)).toEqual(ids);
  });

  it('inserting no messages is a no-op', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    await expect(insertMessages(db, [])).resolves.toBeUndefined();
    expect(await listMessages(db, owner, 'c1')).toEqual([]);
  });

  it('stores every field of a new message and reads it back only for its owner', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const stranger = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const id = newId();
    await insertMessages(db, [message(owner, 'c1', id, { role: 'assistant', content: 'Hi', status: 'generating', model: 'llama3', provider: 'ollama' })]);
    expect(await getMessage(db, owner, id)).toEqual({
      id, owner_id: owner, conversation_id: 'c1', role: 'assistant', content: 'Hi', status: 'generating', model: 'llama3', provider: 'ollama',
      prompt_tokens: null, completion_tokens: null, time_to_first_token_ms: null, duration_ms: null, error_code: null, created_at: T0, updated_at: T0,
      parent_id: null, step: null, tool_call_id: null, tool_name: null, tool_arguments: null, citations: null,
    });
    expect(await getMessage(db, stranger, id)).toBeUndefined();
  });

  it('saveProgress only touches messages that are still generating', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const [generating, complete, interrupted] = [newId(), newId(), newId()];
    await insertMessages(db, [
      message(owner, 'c1', generating!, { role: 'assistant', content: '', status: 'generating' }),
      message(owner, 'c1', complete!, { role: 'assistant', content: 'done', status: 'complete' }),
      message(owner, 'c1', interrupted!, { role: 'assistant', content: 'half', status: 'interrupted' }),
    ]);
    for (const id of [generating!, complete!, interrupted!]) await saveProgress(db, id, 'partial text', T0 + 50);

    expect(await getMessage(db, owner, generating!)).toMatchObject({ content: 'partial text', status: 'generating', updated_at: T0 + 50 });
    expect(await getMessage(db, owner, complete!)).toMatchObject({ content: 'done', status: 'complete', updated_at: T0 });
    expect(await getMessage(db, owner, interrupted!)).toMatchObject({ content: 'half', status: 'interrupted', updated_at: T0 });
  });

  it('finishMessage stores the final text, status and metrics', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const id = newId();
    await insertMessages(db, [message(owner, 'c1', id, { role: 'assistant', content: '', status: 'generating' })]);
    await finishMessage(db, id, {
      content: 'The answer is 42.', status: 'complete', prompt_tokens: 12, completion_tokens: 7,
      time_to_first_token_ms: 150, duration_ms: 900, error_code: null, now: T0 + 900,
    });
    expect(await getMessage(db, owner, id)).toMatchObject({
      content: 'The answer is 42.', status: 'complete', prompt_tokens: 12, completion_tokens: 7,
      time_to_first_token_ms: 150, duration_ms: 900, error_code: null, created_at: T0, updated_at: T0 + 900,
    });
  });

  it('recentMessages returns the last N messages, oldest first', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    const ids = Array.from({ length: 5 }, () => newId());
    await insertMessages(db, ids.map((id, index) => message(owner, 'c1', id, { now: T0 + index })));

    expect((await recentMessages(db, owner, 'c1', 3)).map((m) => m.id)).toEqual(ids.slice(2));
    expect((await recentMessages(db, owner, 'c1', 10)).map((m) => m.id)).toEqual(ids);
    expect(await recentMessages(db, owner, 'c1', 0)).toEqual([]);
  });

  it('interruptStaleGenerations marks only generating messages not saved since the cut-off', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    // Times far before T0, so generating rows left by other cases are never stale here.
    const staleBefore = 1_000_000;
    const [stale, fresh, staleComplete, staleError] = [newId(), newId(), newId(), newId()];
    await insertMessages(db, [
      message(owner, 'c1', stale!, { status: 'generating', now: staleBefore - 1 }),
      message(owner, 'c1', fresh!, { status: 'generating', now: staleBefore }),
      message(owner, 'c1', staleComplete!, { status: 'complete', now: 10 }),
      message(owner, 'c1', staleError!, { status: 'error', now: 10 }),
    ]);

    expect(await interruptStaleGenerations(db, staleBefore, 2_000_000)).toBe(1);
    expect(await getMessage(db, owner, stale!)).toMatchObject({ status: 'interrupted', error_code: 'GENERATION_STOPPED', updated_at: 2_000_000 });
    expect(await getMessage(db, owner, fresh!)).toMatchObject({ status: 'generating', error_code: null, updated_at: staleBefore });
    expect(await getMessage(db, owner, staleComplete!)).toMatchObject({ status: 'complete', error_code: null, updated_at: 10 });
    expect(await getMessage(db, owner, staleError!)).toMatchObject({ status: 'error', updated_at: 10 });
    expect(await interruptStaleGenerations(db, staleBefore, 2_000_001)).toBe(0);
  });
}
