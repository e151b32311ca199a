import { expect, it } from 'vitest';
import { deleteDocument, fullTextSearch, insertBase, insertDocument, listBases, replaceChunks } from '../knowledge-repository.js';
import { newId } from '../ids.js';
import type { ConformanceContext } from './storage-conformance.js';
import { T0, createOwner } from './storage-test-data.js';

/** Full-text search and knowledge rows behave the same on SQLite (FTS5) and PostgreSQL (tsvector). */
export function knowledgeCases(context: ConformanceContext): void {
  async function seed() {
    const storage = await context.storage();
    const owner = await createOwner(storage.db);
    const base = newId();
    await insertBase(storage.db, { id: base, owner_id: owner, name: 'Notes', description: '', now: T0 });
    const doc = newId();
    await insertDocument(storage.db, { id: doc, owner_id: owner, knowledge_base_id: base, name: 'notes.md', source: 'upload', url: null, content_type: 'text/markdown', size_bytes: 10, now: T0 }, new Uint8Array([1, 2, 3]));
    const texts = ['The harbour opens at dawn for fishing boats.', 'Tickets for the museum cost twelve crowns.', 'Running shoes wear out after many runs.'];
    const ids = texts.map(() => newId());
    await replaceChunks(storage.db, doc, texts.map((text, i) => ({ id: ids[i]!, owner_id: owner, knowledge_base_id: base, position: i, text, heading_path: '[]', start_offset: 0, end_offset: text.length, page: null })));
    return { storage, owner, base, doc, ids };
  }

  it('finds chunks by any of the words, best match first, stemming English words', async () => {
    const { storage, owner, base, ids } = await seed();
    const search = (terms: string[]) => fullTextSearch(storage.db, storage.dialect, { ownerId: owner, baseIds: [base], terms, limit: 10 });
    expect((await search(['museum', 'tickets'])).map((h) => h.id)).toEqual([ids[1]]);
    expect((await search(['ticket']))[0]?.id).toBe(ids[1]);
    expect((await search(['run'])).map((h) => h.id)).toEqual([ids[2]]);
    const both = await search(['harbour', 'crowns']);
    expect(both.map((h) => h.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(both.every((h) => h.score > 0)).toBe(true);
    expect(await search(['zeppelin'])).toEqual([]);
  });

  it('searches only the owner\'s bases and the documents asked for, and forgets deleted documents', async () => {
    const { storage, owner, base, doc, ids } = await seed();
    const stranger = await createOwner(storage.db);
    expect(await fullTextSearch(storage.db, storage.dialect, { ownerId: stranger, baseIds: [base], terms: ['museum'], limit: 10 })).toEqual([]);
    expect(await fullTextSearch(storage.db, storage.dialect, { ownerId: owner, baseIds: [base], documentIds: ['other'], terms: ['museum'], limit: 10 })).toEqual([]);
    expect((await fullTextSearch(storage.db, storage.dialect, { ownerId: owner, baseIds: [base], documentIds: [doc], terms: ['museum'], limit: 10 })).map((h) => h.id)).toEqual([ids[1]]);
    expect(await listBases(storage.db, owner)).toEqual([expect.objectContaining({ id: base, document_count: 1, chunk_count: 0 })]);
    expect(await deleteDocument(storage.db, owner, base, doc)).toBe(true);
    expect(await fullTextSearch(storage.db, storage.dialect, { ownerId: owner, baseIds: [base], terms: ['museum', 'harbour', 'shoes'], limit: 10 })).toEqual([]);
    const left = await storage.db.selectFrom('knowledge_chunks').select('id').where('document_id', '=', doc).execute();
    expect(left).toEqual([]);
  });

  it('takes search words literally, whatever characters they hold', async () => {
    const { storage, owner, base } = await seed();
    for (const term of ['"', "'", 'OR', 'NEAR(', '*', 'a:b', ')(', 'crowns"']) {
      await expect(fullTextSearch(storage.db, storage.dialect, { ownerId: owner, baseIds: [base], terms: [term], limit: 5 })).resolves.toBeInstanceOf(Array);
    }
  });
}
