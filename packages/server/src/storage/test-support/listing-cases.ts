import { expect, it } from 'vitest';
import { listConversations, type ConversationRow } from '../conversations-repository.js';
import { decodeCursor } from '../keyset-cursor.js';
import { newId } from '../ids.js';
import { insertMessages } from '../messages-repository.js';
import type { ConformanceContext } from './storage-conformance.js';
import { T0, createConversationFor, createOwner, message } from './storage-test-data.js';

export function listingCases(context: ConformanceContext): void {
  it('lists an owner\'s conversations newest first, and only theirs', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const other = await createOwner(db);
    await createConversationFor(db, owner, 'old', 'Old', T0);
    await createConversationFor(db, owner, 'new', 'New', T0 + 2);
    await createConversationFor(db, owner, 'middle', 'Middle', T0 + 1);
    await createConversationFor(db, other, 'foreign', 'Foreign', T0 + 3);

    const page = await listConversations(db, owner, { limit: 10 });
    expect(page.items.map((c) => c.id)).toEqual(['new', 'middle', 'old']);
    expect(page.nextCursor).toBeNull();
  });

  it('pages through 120 conversations with ties in updated_at, returning each exactly once', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    // Seven conversations share each updated_at, so pages end in the middle of ties.
    const rows = Array.from({ length: 120 }, (_, index) => ({ id: `conv-${String(index).padStart(3, '0')}`, updated_at: T0 + Math.floor(index / 7) }));
    await db.insertInto('conversations')
      .values(rows.map((row) => ({ owner_id: owner, id: row.id, title: row.id, agent: null, created_at: T0, updated_at: row.updated_at })))
      .execute();
    const expected = [...rows].sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? 1 : -1)).map((row) => row.id);

    const pages: ConversationRow[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listConversations(db, owner, { limit: 50, cursor });
      pages.push(page.items);
      const last = page.items.at(-1);
      if (page.nextCursor) expect(decodeCursor(page.nextCursor)).toEqual({ time: last?.updated_at, id: last?.id });
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 10);

    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(pages.flat().map((c) => c.id)).toEqual(expected);
  });

  it('gives no next cursor when the last page is exactly full', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    for (let index = 0; index < 4; index++) await createConversationFor(db, owner, `c${index}`, 'Chat', T0 + index);
    const first = await listConversations(db, owner, { limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await listConversations(db, owner, { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((c) => c.id)).toEqual(['c1', 'c0']);
    expect(second.nextCursor).toBeNull();
  });

  it('q matches conversation titles case-insensitively', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'trip', 'Planning a TRIP to Lisbon', T0 + 1);
    await createConversationFor(db, owner, 'tax', 'Tax return', T0 + 2);
    expect(await ids(context, owner, 'lisBON')).toEqual(['trip']);
    expect(await ids(context, owner, 'trip to')).toEqual(['trip']);
  });

  it('q matches message content case-insensitively', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'cooking', 'Dinner', T0 + 1);
    await createConversationFor(db, owner, 'garden', 'Plants', T0 + 2);
    await insertMessages(db, [
      message(owner, 'cooking', newId(), { content: 'How long do I boil an EGG?' }),
      message(owner, 'garden', newId(), { content: 'When to plant tomatoes' }),
    ]);
    expect(await ids(context, owner, 'egg')).toEqual(['cooking']);
    expect(await ids(context, owner, 'TOMATOES')).toEqual(['garden']);
    expect(await ids(context, owner, 'nothing like this')).toEqual([]);
  });

  it('q folds the case of non-ASCII letters the same on every engine', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    await createConversationFor(db, owner, 'school', 'ÉCOLE du soir', T0 + 1);
    await createConversationFor(db, owner, 'street', 'Straße', T0 + 2);
    expect(await ids(context, owner, 'école')).toEqual(['school']);
    expect(await ids(context, owner, 'STRAẞE'.toLowerCase())).toEqual(['street']);
  });

  it('q treats %, _, \\ and quotes literally', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const titles = ['100% sure', '100 percent', 'snake_case', 'snakeXcase', 'back\\slash', 'backslash', 'wow!', "it's", 'its', 'a^b', '[ab]'];
    for (const [index, title] of titles.entries()) await createConversationFor(db, owner, `c${index}`, title, T0 + index);
    const titleOf = async (q: string) => (await listConversations(db, owner, { limit: 50, q })).items.map((c) => c.title);

    expect(await titleOf('%')).toEqual(['100% sure']);
    expect(await titleOf('0%')).toEqual(['100% sure']);
    expect(await titleOf('_')).toEqual(['snake_case']);
    expect(await titleOf('e_c')).toEqual(['snake_case']);
    expect(await titleOf('\\')).toEqual(['back\\slash']);
    expect(await titleOf('k\\s')).toEqual(['back\\slash']);
    expect(await titleOf('!')).toEqual(['wow!']);
    expect(await titleOf("'")).toEqual(["it's"]);
    expect(await titleOf('^')).toEqual(['a^b']);
    expect(await titleOf('[a')).toEqual(['[ab]']);
  });

  it("q only searches the owner's own messages, even under a shared conversation id", async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const other = await createOwner(db);
    await createConversationFor(db, owner, 'shared', 'Mine');
    await createConversationFor(db, other, 'shared', 'Theirs');
    await insertMessages(db, [message(other, 'shared', newId(), { content: 'secret needle' })]);
    expect(await ids(context, owner, 'needle')).toEqual([]);
    expect(await ids(context, other, 'needle')).toEqual(['shared']);
  });

  it('pages through search results with the cursor, and a blank q lists everything', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    for (let index = 0; index < 7; index++) await createConversationFor(db, owner, `c${index}`, index % 2 === 0 ? `Match ${index}` : `Other ${index}`, T0 + index);

    const first = await listConversations(db, owner, { limit: 3, q: 'match' });
    expect(first.items.map((c) => c.id)).toEqual(['c6', 'c4', 'c2']);
    const second = await listConversations(db, owner, { limit: 3, q: 'match', cursor: first.nextCursor ?? undefined });
    expect(second.items.map((c) => c.id)).toEqual(['c0']);
    expect(second.nextCursor).toBeNull();

    expect((await listConversations(db, owner, { limit: 50, q: '   ' })).items).toHaveLength(7);
  });

  it('lists the first page among 10,000 conversations', async () => {
    const { db } = await context.storage();
    const owner = await createOwner(db);
    const total = 10_000;
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < total; start += 1_000) {
        const batch = Array.from({ length: 1_000 }, (_, offset) => start + offset);
        await trx.insertInto('conversations')
          .values(batch.map((index) => ({ owner_id: owner, id: `bulk-${String(index).padStart(5, '0')}`, title: `Bulk ${index}`, agent: null, created_at: T0, updated_at: T0 + index })))
          .execute();
      }
    });

    const page = await listConversations(db, owner, { limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(page.items[0]).toMatchObject({ id: 'bulk-09999', updated_at: T0 + 9_999 });
    expect(page.items.at(-1)).toMatchObject({ id: 'bulk-09950' });
    expect(page.nextCursor).not.toBeNull();
  });
}

async function ids(context: ConformanceContext, owner: string, q: string): Promise<string[]> {
  const { db } = await context.storage();
  return (await listConversations(db, owner, { limit: 50, q })).items.map((c) => c.id);
}
