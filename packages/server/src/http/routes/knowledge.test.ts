import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { requestMessages } from '../../llm/test-support/test-server-script.js';
import { parseSse, startTestApp, until, testModelName, type TestApp } from '../test-support/test-app.js';
import { HANDBOOK } from '../../knowledge/ingestion/test-support/handbook.js';

const RECIPES = `# Soup recipes

## Nettle soup
Pick young nettle tops in spring, blanch them, and blend with potato and stock.

## Barley broth
Simmer pearl barley with carrots, leeks and thyme for an hour.
`;

describe('knowledge bases with the real embedded model embedding', () => {
  let t: TestApp;
  let url: string;
  let upstream: OpenAICompatibleTestServer;
  let pages: Server;
  let pagesUrl = '';
  let base = '';
  let handbook = '';

  beforeAll(async () => {
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    pages = createServer((request, response) => {
      if (request.url === '/guide.html') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><head><title>Guide</title><script>alert(1)</script></head><body><h1>Ferry guide</h1><p>The ferry to Harrow Point leaves from pier seven at half past eight.</p></body></html>');
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
    t = await startTestApp({
      realModel: true,
      env: {
        OPENAI_BASE_URL: upstream.baseURL, DEFAULT_MODEL: testModelName, EMBEDDING_MODEL: `llama-cpp/${testModelName}`,
        KNOWLEDGE_MAX_UPLOAD_BYTES: '65536', OUTBOUND_ALLOW_HOSTS: new URL(pagesUrl).host,
      },
    });
    url = await t.listen();
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
    await new Promise((resolve) => pages.close(resolve));
  });

  const json = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };
  const upload = async (name: string, text: string | Uint8Array, type = 'text/markdown') => {
    const form = new FormData();
    form.append('file', new Blob([text], { type }), name);
    const response = await fetch(`${url}/api/v1/knowledge/${base}/documents`, { method: 'POST', body: form });
    return { status: response.status, body: await response.json() };
  };
  const documentOf = (id: string) => json('GET', `/api/v1/knowledge/${base}/documents/${id}`).then((r) => r.body);
  const settled = (id: string) => until(() => documentOf(id), (d) => d.status === 'indexed' || d.status === 'failed');

  it('creates a base, ingests uploads in the background with progress, and indexes them with the embedding model', async () => {
    const created = await json('POST', '/api/v1/knowledge', { name: 'Harrow Point' });
    expect(created).toMatchObject({ status: 201, body: { name: 'Harrow Point', embedding_model: null, document_count: 0 } });
    base = created.body.id;
    const added = await upload('handbook.md', HANDBOOK);
    expect(added).toMatchObject({ status: 202, body: { status: 'queued', name: 'handbook.md', source: 'upload' } });
    handbook = added.body.id;
    const events = parseSse(await (await fetch(`${url}/api/v1/knowledge/${base}/documents/${handbook}/events`)).text());
    expect(events.at(-1)).toMatchObject({ event: 'progress', data: { status: 'indexed', progress: 100 } });
    const doc = await documentOf(handbook);
    expect(doc).toMatchObject({ status: 'indexed', embedding_model: `llama-cpp/${testModelName}`, error_code: null });
    expect(doc.chunk_count).toBeGreaterThanOrEqual(1);
    expect(doc.vector_count).toBe(doc.chunk_count);
    await settled((await upload('soups.md', RECIPES)).body.id);
    expect((await json('GET', `/api/v1/knowledge/${base}`)).body).toMatchObject({ document_count: 2, embedding_model: `llama-cpp/${testModelName}` });
  });

  it('finds a passage by full text, by vector and by both, with each method\'s score', async () => {
    const search = (mode: string) => json('POST', `/api/v1/knowledge/${base}/search`, { query: 'How much is an adult ticket?', mode, k: 3 }).then((r) => r.body);
    const fulltext = await search('fulltext');
    expect(fulltext.results[0]).toMatchObject({ document_name: 'handbook.md', scores: { fulltext_rank: 1, vector: null } });
    expect(fulltext.results[0].text).toContain('twelve crowns');
    expect(fulltext.results[0].heading_path).toEqual(expect.arrayContaining(['Lighthouse Handbook']));
    const vector = await search('vector');
    expect(vector.embedding_model).toBe(`llama-cpp/${testModelName}`);
    expect(vector.results.length).toBeGreaterThan(0);
    expect(vector.results[0].scores).toMatchObject({ fulltext: null, vector_rank: 1 });
    const hybrid = await search('hybrid');
    // Fusion keeps the full-text winner first: the tiny model's vectors must not push it down.
    expect(hybrid.results[0].chunk_id).toBe(fulltext.results[0].chunk_id);
    expect(hybrid.results[0].scores.fulltext_rank).toBe(1);
  });

  it('says why nothing came back', async () => {
    const answer = await json('POST', `/api/v1/knowledge/${base}/search`, { query: 'zeppelin', mode: 'fulltext' });
    expect(answer.body.results).toEqual([]);
    expect(answer.body.diagnostics.join(' ')).toContain('no passage contains any of "zeppelin"');
  });

  it('ingests a web page by URL through the outbound guard, and refuses a blocked address as a failed document', async () => {
    const page = await json('POST', `/api/v1/knowledge/${base}/documents`, { url: `${pagesUrl}/guide.html` });
    expect(page).toMatchObject({ status: 202, body: { source: 'url', name: 'guide.html' } });
    const done = await settled(page.body.id);
    expect(done).toMatchObject({ status: 'indexed', content_type: expect.stringContaining('text/html') });
    const found = await json('POST', `/api/v1/knowledge/${base}/search`, { query: 'ferry pier', mode: 'fulltext' });
    expect(found.body.results[0].text).toContain('pier seven');
    expect(found.body.results[0].text).not.toContain('alert');

    const blocked = await json('POST', `/api/v1/knowledge/${base}/documents`, { url: 'http://169.254.169.254/latest/meta-data/' });
    expect(await settled(blocked.body.id)).toMatchObject({ status: 'failed', error_code: 'OUTBOUND_REQUEST_BLOCKED' });
  });

  it('refuses bad documents cleanly: too large (413 before reading), unsupported, empty, not multipart', async () => {
    const huge = await upload('huge.txt', 'x'.repeat(200_000), 'text/plain');
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const binary = await upload('tool.exe', new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]), 'application/octet-stream');
    expect(binary.status).toBe(202);
    expect(await settled(binary.body.id)).toMatchObject({ status: 'failed', error_code: 'DOCUMENT_UNSUPPORTED' });
    const corrupt = await upload('broken.pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog', 'application/pdf');
    expect(await settled(corrupt.body.id)).toMatchObject({ status: 'failed', error_code: 'DOCUMENT_PARSE_FAILED' });
    const plain = await fetch(`${url}/api/v1/knowledge/${base}/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file: 'nope' }) });
    expect(plain.status).toBe(400);
    expect((await json('GET', '/health')).status).toBe(200);
  });

  it('answers a chat turn from the knowledge base with numbered citations, the passages quoted as data', async () => {
    upstream.script.chat = { tokens: ['Twelve crowns [1].'] };
    const answer = await json('POST', '/api/v1/chat/', { message: 'What does an adult ticket cost?', knowledge: [base], model: 'scripted', session_id: 'kb-chat' });
    expect(answer.status).toBe(200);
    expect(answer.body.citations[0]).toMatchObject({ n: 1, document_name: 'handbook.md', knowledge_base_id: base });
    expect(answer.body.citations[0].text).toContain('twelve crowns');
    const sent = requestMessages(upstream.requests.at(-1)!);
    const passages = sent.find((m) => m.role === 'system' && m.content.includes('[1] From "handbook.md"'))!;
    expect(passages.content).toContain('not instructions');
    expect(passages.content).toContain('> An adult ticket costs twelve crowns');
    const stored = (await json('GET', '/api/v1/conversations/kb-chat')).body;
    expect(stored.messages[1].citations[0]).toMatchObject({ n: 1, document_name: 'handbook.md' });

    const unknown = await json('POST', '/api/v1/chat/', { message: 'x', knowledge: ['not-a-base'], model: 'scripted' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'KNOWLEDGE_BASE_NOT_FOUND' } } });
  });

  it('keeps knowledge private to its owner', async () => {
    await expect(t.platform.knowledge.getBase('someone-else', base)).rejects.toMatchObject({ code: 'KNOWLEDGE_BASE_NOT_FOUND' });
    await expect(t.platform.knowledge.search('someone-else', [base], { query: 'ticket' })).rejects.toMatchObject({ code: 'KNOWLEDGE_BASE_NOT_FOUND' });
    await expect(t.platform.knowledge.listDocuments('someone-else', base)).rejects.toMatchObject({ code: 'KNOWLEDGE_BASE_NOT_FOUND' });
    expect(await t.platform.knowledge.listBases('someone-else')).toEqual([]);
  });

  it('deletes a document with its chunks and vectors, and a base with everything', async () => {
    expect((await json('DELETE', `/api/v1/knowledge/${base}/documents/${handbook}`)).status).toBe(204);
    const after = await json('POST', `/api/v1/knowledge/${base}/search`, { query: 'adult ticket twelve crowns', mode: 'hybrid', k: 10 });
    expect(after.body.results.every((r: { document_id: string }) => r.document_id !== handbook)).toBe(true);
    const vectors = await t.platform.vectors.search(`${base}:llama-cpp/${testModelName}`, { vector: new Array(64).fill(0.1), k: 100, documentIds: [handbook] });
    expect(vectors).toEqual([]);
    expect((await json('GET', `/api/v1/knowledge/${base}/documents/${handbook}`)).status).toBe(404);
    expect((await json('DELETE', `/api/v1/knowledge/${base}`)).status).toBe(204);
    expect((await json('GET', `/api/v1/knowledge/${base}`)).status).toBe(404);
  });
});

describe('knowledge with agents and a change of embedding model', () => {
  it('re-indexes a base when the embedding model changes instead of mixing vectors, and agents search their bases', async () => {
    const upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    try {
      const env = { OPENAI_BASE_URL: upstream.baseURL, DEFAULT_MODEL: 'scripted' };
      const first = await startTestApp({ realModel: true, env: { ...env, EMBEDDING_MODEL: `llama-cpp/${testModelName}` } });
      const api = (app: TestApp) => async (method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) => {
        const response = await app.app.inject({ method, url: path, ...(payload ? { payload } : {}) });
        return response.json();
      };
      let call = api(first);
      const base = (await call('POST', '/api/v1/knowledge', { name: 'Docs' })).id as string;
      const form = new FormData();
      form.append('file', new Blob([HANDBOOK], { type: 'text/markdown' }), 'a.md');
      const doc = await (await fetch(`${await first.listen()}/api/v1/knowledge/${base}/documents`, { method: 'POST', body: form })).json() as { id: string };
      await until(() => call('GET', `/api/v1/knowledge/${base}/documents/${doc.id}`), (d) => d.status === 'indexed');
      expect((await call('GET', `/api/v1/knowledge/${base}`)).embedding_model).toBe(`llama-cpp/${testModelName}`);
      await first.close();

      const second = await startTestApp({ realModel: true, dir: first.dir, env: { ...env, EMBEDDING_MODEL: 'openai/scripted' } });
      try {
        call = api(second);
        const during = await call('POST', `/api/v1/knowledge/${base}/search`, { query: 'adult ticket', mode: 'vector' });
        expect(during.diagnostics.join(' ')).toContain(`indexed with llama-cpp/${testModelName}, not openai/scripted`);
        const redone = await until(() => call('GET', `/api/v1/knowledge/${base}/documents/${doc.id}`), (d) => d.status === 'indexed' && d.embedding_model === 'openai/scripted');
        expect(redone.vector_count).toBe(redone.chunk_count);
        expect((await call('GET', `/api/v1/knowledge/${base}`)).embedding_model).toBe('openai/scripted');
        expect(await second.platform.vectors.count(`${base}:openai/scripted`)).toBe(redone.chunk_count);
        const after = await call('POST', `/api/v1/knowledge/${base}/search`, { query: 'adult ticket', mode: 'vector' });
        expect(after.results.length).toBeGreaterThan(0);
        expect(after.embedding_model).toBe('openai/scripted');

        // An agent with the base attached retrieves before answering, and can search it as a tool.
        await call('POST', '/api/v1/agents/', { id: 'museum-guide', name: 'Guide', knowledge_bases: [base], tools: ['knowledge_search'] });
        upstream.script.chat = (request) => {
          const messages = requestMessages(request);
          const result = messages.filter((m) => m.role === 'tool').at(-1);
          if (!result) return { tokens: [], toolCalls: [{ id: 'k1', name: 'knowledge_search', arguments: { query: 'lens mercury' } }] };
          return { tokens: ['It turns on mercury [1].'] };
        };
        const events = parseSse((await second.app.inject({ method: 'POST', url: '/api/v1/chat/stream', payload: { message: 'How does the lamp turn?', agent: 'museum-guide' } })).body);
        expect(events[0]!.data.citations?.[0]).toMatchObject({ n: 1, document_name: 'a.md' });
        const toolResult = events.find((e) => e.event === 'tool-result')!;
        expect(toolResult.data).toMatchObject({ tool: 'knowledge_search', is_error: false });
        expect(String(toolResult.data.content)).toContain('mercury');
      } finally {
        await second.close();
      }
    } finally {
      await upstream.close();
    }
  }, 120_000);
});
