import { expect, it } from 'vitest';
import { createConversation, deleteConversation, getConversation, renameConversation, touchConversation } from '../conversations-repository.js';
import { insertMessages, listMessages } from '../messages-repository.js';
import type { ConformanceContext } from './storage-conformance.js';
import { T0, createConversationFor, createOwner, message } from './storage-test-data.js';

export function conversationCases(context: ConformanceContext): void {
  it('createConversation reports created for a new id and not created for an existing one, keeping the first row', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    expect(await createConversation(db, { owner_id: owner, id: 'c1', title: 'First', agent: 'coder', now: T0 })).toEqual({ created: true });
    expect(await createConversation(db, { owner_id: owner, id: 'c1', title: 'Second', agent: null, now: T0 + 1 })).toEqual({ created: false });
    // Exact equality also proves that bigint times come back as numbers, not strings.
    expect(await getConversation(db, owner, 'c1')).toEqual({
      owner_id: owner, id: 'c1', title: 'First', agent: 'coder', message_count: 0, created_at: T0, updated_at: T0,
    });
  });

  it('lets two owners use the same conversation id', async () => {
    const { db } = await context.storage();
    const alice = await createOwner(db);
    const bob = await createOwner(db);
    expect(await createConversation(db, { owner_id: alice, id: 'shared', title: 'Alice', agent: null, now: T0 })).toEqual({ created: true });
    expect(await createConversation(db, { owner_id: bob, id: 'shared', title: 'Bob', agent: null, now: T0 })).toEqual({ created: true });
    expect((await getConversation(db, alice, 'shared'))?.title).toBe('Alice');
    expect((await getConversation(db, bob, 'shared'))?.title).toBe('Bob');
  });

  it("rejects reading, renaming or deleting another owner's conversation", async () => {
    const { db } = await context.storage();
    const alice = await createOwner(db);
    const mallory = await createOwner(db);
    await createConversationFor(db, alice, 'private', 'Diary');
    await insertMessages(db, [message(alice, 'private', `m-${alice}`)]);

    expect(await getConversation(db, mallory, 'private')).toBeUndefined();
    expect(await renameConversation(db, mallory, 'private', 'Hacked', T0 + 1)).toBe(false);
    expect(await deleteConversation(db, mallory, 'private')).toBe(false);
    expect(await listMessages(db, mallory, 'private')).toEqual([]);

    expect(await getConversation(db, alice, 'private')).toMatchObject({ title: 'Diary', updated_at: T0 });
    expect(await listMessages(db, alice, 'private')).toHaveLength(1);
  });

  it('renames a conversation and marks it updated; an unknown id reports false', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1', 'Old');
    expect(await renameConversation(db, owner, 'c1', 'New', T0 + 10)).toBe(true);
    expect(await getConversation(db, owner, 'c1')).toMatchObject({ title: 'New', created_at: T0, updated_at: T0 + 10 });
    expect(await renameConversation(db, owner, 'missing', 'New', T0 + 10)).toBe(false);
  });

  it('touchConversation moves updated_at and adds to message_count', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    await touchConversation(db, owner, 'c1', 2, T0 + 100);
    await touchConversation(db, owner, 'c1', 1, T0 + 200);
    expect(await getConversation(db, owner, 'c1')).toMatchObject({ message_count: 3, created_at: T0, updated_at: T0 + 200 });
  });

  it('deleteConversation deletes its messages too and leaves same-id conversations of other owners alone', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const other = await createOwner(db);
    await createConversationFor(db, owner, 'c1');
    await createConversationFor(db, other, 'c1');
    await insertMessages(db, [message(owner, 'c1', `a-${owner}`), message(owner, 'c1', `b-${owner}`), message(other, 'c1', `a-${other}`)]);

    expect(await deleteConversation(db, owner, 'c1')).toBe(true);
    expect(await getConversation(db, owner, 'c1')).toBeUndefined();
    const orphans = await db.selectFrom('messages').select('id').where('owner_id', '=', owner).execute();
    expect(orphans).toEqual([]);
    expect(await deleteConversation(db, owner, 'c1')).toBe(false);

    expect(await getConversation(db, other, 'c1')).toBeDefined();
    expect((await listMessages(db, other, 'c1')).map((m) => m.id)).toEqual([`a-${other}`]);
  });
}
