import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { KnowledgeBase, KnowledgeDocument, KnowledgeSearchResponse } from '../api/types';
import { apiError, eventStream, json, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const base = (extra: Partial<KnowledgeBase> = {}): KnowledgeBase => ({
  id: 'kb1', name: 'Handbook', description: 'How we work', embedding_model: null, document_count: 0, chunk_count: 0, created_at: 1, updated_at: 1, ...extra,
});
const doc = (extra: Partial<KnowledgeDocument> = {}): KnowledgeDocument => ({
  id: 'd1', knowledge_base_id: 'kb1', name: 'guide.md', source: 'upload', url: null, content_type: 'text/markdown', size_bytes: 2048,
  status: 'queued', progress: 0, stage: null, error_code: null, error_message: null, chunk_count: 0, vector_count: 0, embedding_model: null,
  created_at: 1, updated_at: 1, indexed_at: null, ...extra,
});

/** The routes of one knowledge base page, with its documents as given (changeable by the test). */
function baseApi(documents: { current: KnowledgeDocument[] }, routes: Record<string, (request: RecordedRequest, signal: AbortSignal | undefined) => Response> = {}) {
  return {
    'GET /api/v1/knowledge/kb1': () => json(base({ document_count: documents.current.length })),
    'GET /api/v1/knowledge/kb1/documents': () => json({ items: documents.current }),
    ...routes,
  };
}

const documentItem = () => screen.getByTestId('document');

describe('the knowledge page', () => {
  it('creates a knowledge base and opens it', async () => {
    const fake = renderApp({
      'POST /api/v1/knowledge': () => json(base(), 201),
      ...baseApi({ current: [] }),
    }, '/knowledge');
    await screen.findByTestId('knowledge-empty');
    fireEvent.change(screen.getByTestId('knowledge-name'), { target: { value: '  Handbook ' } });
    fireEvent.change(screen.getByTestId('knowledge-description'), { target: { value: 'How we work' } });
    fireEvent.click(screen.getByTestId('knowledge-create'));
    await screen.findByTestId('knowledge-base-page');
    expect(window.location.pathname).toBe('/knowledge/kb1');
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'Handbook', description: 'How we work' });
    await screen.findByTestId('documents-empty');
  });

  it('lists bases with their counts and deletes one only after confirming', async () => {
    let bases = [base({ document_count: 2, chunk_count: 14, embedding_model: 'llama-cpp/stories260K' }), base({ id: 'kb2', name: 'Recipes' })];
    const fake = renderApp({
      'GET /api/v1/knowledge': () => json({ items: bases }),
      'DELETE /api/v1/knowledge/kb2': () => {
        bases = bases.filter((b) => b.id !== 'kb2');
        return json(null, 204);
      },
    }, '/knowledge');
    await waitFor(() => expect(screen.getAllByTestId('knowledge-item')).toHaveLength(2));
    expect(screen.getAllByTestId('knowledge-item')[0]!.textContent).toContain('2 documents · 14 passages · vectors by llama-cpp/stories260K');
    const recipes = screen.getAllByTestId('knowledge-item')[1]!;
    fireEvent.click(within(recipes).getByTestId('knowledge-delete'));
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(recipes).getByTestId('knowledge-delete-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('knowledge-item')).toHaveLength(1));
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/knowledge/kb2']);
  });

  it('says why a knowledge base cannot be opened', async () => {
    renderApp({ 'GET /api/v1/knowledge/nope': () => apiError(404, 'KNOWLEDGE_BASE_NOT_FOUND', 'There is no knowledge base "nope".') , 'GET /api/v1/knowledge/nope/documents': () => json({ items: [] }) }, '/knowledge/nope');
    const notice = await screen.findByRole('alert');
    expect(notice.textContent).toContain('There is no knowledge base "nope".');
  });
});

describe('documents of a knowledge base', () => {
  it('uploads a picked file as multipart and shows its progress live until it is indexed', async () => {
    const documents = { current: [] as KnowledgeDocument[] };
    const progress = { current: undefined as ReturnType<typeof eventStream> | undefined };
    const fake = renderApp(baseApi(documents, {
      'POST /api/v1/knowledge/kb1/documents': () => {
        documents.current = [doc()];
        return json(doc(), 202);
      },
      'GET /api/v1/knowledge/kb1/documents/d1/events': (_request, signal) => {
        progress.current = eventStream(signal);
        return progress.current.response;
      },
    }), '/knowledge/kb1');
    await screen.findByTestId('documents-empty');
    const file = new File(['# Guide\n\nThe office opens at nine.'], 'guide.md', { type: 'text/markdown' });
    fireEvent.change(screen.getByTestId('document-file'), { target: { files: [file] } });

    await waitFor(() => expect(progress.current).toBeDefined());
    const upload = fake.requests.find((r) => r.method === 'POST')!;
    expect(upload.body).toBeInstanceOf(FormData);
    expect(((upload.body as FormData).get('file') as File).name).toBe('guide.md');
    expect(upload.headers['content-type']).toBeUndefined(); // the browser writes the multipart boundary
    expect(documentItem().getAttribute('data-status')).toBe('queued');

    const s = progress.current!;
    act(() => s.send('progress', doc({ status: 'processing', progress: 40, stage: 'embedding passages 4 of 10', updated_at: 2 })));
    await waitFor(() => expect(screen.getByTestId('document-progress').getAttribute('aria-valuenow')).toBe('40'));
    expect(screen.getByTestId('document-stage').textContent).toBe('40% · embedding passages 4 of 10');
    expect((screen.getByTestId('document-progress').firstElementChild as HTMLElement).style.width).toBe('40%');

    documents.current = [doc({ status: 'indexed', progress: 100, stage: 'indexed', chunk_count: 3, updated_at: 3 })];
    act(() => {
      s.send('progress', documents.current[0]!);
      s.close();
    });
    await waitFor(() => expect(documentItem().getAttribute('data-status')).toBe('indexed'));
    expect(screen.queryByTestId('document-progress')).toBeNull();
    expect(documentItem().textContent).toContain('3 passages');
    // The base's counts are read again once the document is indexed.
    await waitFor(() => expect(fake.requests.filter((r) => r.path === '/api/v1/knowledge/kb1').length).toBeGreaterThanOrEqual(3));
  });

  it('falls back to polling when the progress stream ends before the document is done', async () => {
    const documents = { current: [doc({ status: 'processing', progress: 10, stage: 'parsing' })] };
    const fake = renderApp(baseApi(documents, {
      'GET /api/v1/knowledge/kb1/documents/d1/events': () => {
        const s = eventStream();
        s.send('progress', documents.current[0]!);
        s.close(); // a proxy cut it, or the replica went away
        return s.response;
      },
    }), '/knowledge/kb1');
    await waitFor(() => expect(screen.getByTestId('document-progress').getAttribute('aria-valuenow')).toBe('10'));
    documents.current = [doc({ status: 'processing', progress: 70, stage: 'embedding', updated_at: 2 })];
    await waitFor(() => expect(screen.getByTestId('document-progress').getAttribute('aria-valuenow')).toBe('70'), { timeout: 4000 });
    documents.current = [doc({ status: 'indexed', progress: 100, stage: 'indexed', chunk_count: 2, updated_at: 3 })];
    await waitFor(() => expect(documentItem().getAttribute('data-status')).toBe('indexed'), { timeout: 4000 });
    // The stream is not opened again and again: once, then the list is polled.
    expect(fake.requests.filter((r) => r.path.endsWith('/events'))).toHaveLength(1);
    const polls = fake.requests.filter((r) => r.path === '/api/v1/knowledge/kb1/documents').length;
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(fake.requests.filter((r) => r.path === '/api/v1/knowledge/kb1/documents').length).toBe(polls);
  }, 15_000);

  it('follows only a few documents by stream at once and polls for the rest', async () => {
    const documents = { current: Array.from({ length: 5 }, (_, i) => doc({ id: `d${i}`, name: `doc-${i}.txt`, status: 'processing', progress: 5 })) };
    const signals: AbortSignal[] = [];
    const fake = renderApp(baseApi(documents, Object.fromEntries(documents.current.map((d) => [
      `GET /api/v1/knowledge/kb1/documents/${d.id}/events`,
      (_request: RecordedRequest, signal: AbortSignal | undefined) => {
        signals.push(signal!);
        return eventStream(signal).response;
      },
    ]))), '/knowledge/kb1');
    await waitFor(() => expect(screen.getAllByTestId('document')).toHaveLength(5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests.filter((r) => r.path.endsWith('/events'))).toHaveLength(3);
    documents.current = documents.current.map((d) => ({ ...d, status: 'indexed', progress: 100, updated_at: 2 }));
    // The polled list brings every one of them to indexed, and the streams still open are closed.
    await waitFor(() => expect(screen.getAllByTestId('document').map((d) => d.getAttribute('data-status'))).toEqual(Array(5).fill('indexed')), { timeout: 4000 });
    await waitFor(() => expect(signals.map((signal) => signal.aborted)).toEqual([true, true, true]));
  }, 10_000);

  it('shows why a document failed, and deletes a document after confirming', async () => {
    const documents = { current: [doc({ status: 'failed', progress: 30, stage: 'failed', error_code: 'DOCUMENT_UNREADABLE', error_message: 'The PDF has no text layer (a scan?).' })] };
    const fake = renderApp(baseApi(documents, {
      'DELETE /api/v1/knowledge/kb1/documents/d1': () => json(null, 204),
    }), '/knowledge/kb1');
    const error = await screen.findByTestId('document-error');
    expect(error.textContent).toContain('Not indexed (DOCUMENT_UNREADABLE): The PDF has no text layer (a scan?).');
    expect(fake.requests.some((r) => r.path.endsWith('/events'))).toBe(false);
    fireEvent.click(screen.getByTestId('document-delete'));
    fireEvent.click(screen.getByTestId('document-delete-confirm'));
    await screen.findByTestId('documents-empty');
    expect(fake.requests.find((r) => r.method === 'DELETE')?.path).toBe('/api/v1/knowledge/kb1/documents/d1');
  });

  it("shows the server's reason when it refuses an upload, and adds a document by URL", async () => {
    const documents = { current: [] as KnowledgeDocument[] };
    const fake = renderApp(baseApi(documents, {
      'POST /api/v1/knowledge/kb1/documents': (request) => (request.body instanceof FormData
        ? apiError(413, 'PAYLOAD_TOO_LARGE', 'The upload is 60000000 bytes; this server takes at most 52428800.', 'Split the document.')
        : json(doc({ id: 'd2', name: 'example.com/page', source: 'url', url: 'https://example.com/page', size_bytes: null }), 202)),
      'GET /api/v1/knowledge/kb1/documents/d2/events': (_request, signal) => eventStream(signal).response,
    }), '/knowledge/kb1');
    await screen.findByTestId('documents-empty');
    fireEvent.change(screen.getByTestId('document-file'), { target: { files: [new File(['x'], 'huge.pdf', { type: 'application/pdf' })] } });
    const refused = await screen.findByText(/huge\.pdf was not added\./);
    expect(refused.closest('[data-testid="error-notice"]')?.textContent).toContain('this server takes at most 52428800');
    expect(refused.closest('[data-testid="error-notice"]')?.textContent).toContain('Split the document.');

    fireEvent.change(screen.getByTestId('document-url'), { target: { value: 'https://example.com/page' } });
    fireEvent.click(screen.getByTestId('document-url-add'));
    await waitFor(() => expect(documentItem().textContent).toContain('https://example.com/page'));
    expect(fake.requests.filter((r) => r.method === 'POST').at(-1)?.body).toEqual({ url: 'https://example.com/page' });
  });

  it('uploads files dropped on the zone', async () => {
    const documents = { current: [] as KnowledgeDocument[] };
    let count = 0;
    const fake = renderApp(baseApi(documents, {
      'POST /api/v1/knowledge/kb1/documents': (request) => {
        const name = ((request.body as FormData).get('file') as File).name;
        return json(doc({ id: `d${++count}`, name }), 202);
      },
      'GET /api/v1/knowledge/kb1/documents/d1/events': (_request, signal) => eventStream(signal).response,
      'GET /api/v1/knowledge/kb1/documents/d2/events': (_request, signal) => eventStream(signal).response,
    }), '/knowledge/kb1');
    const zone = await screen.findByTestId('drop-zone');
    const files = [new File(['a'], 'a.txt', { type: 'text/plain' }), new File(['b'], 'b.csv', { type: 'text/csv' })];
    fireEvent.dragOver(zone, { dataTransfer: { types: ['Files'], files, dropEffect: 'none' } });
    expect(zone.className).toContain('drop-zone-active');
    fireEvent.drop(zone, { dataTransfer: { types: ['Files'], files } });
    await waitFor(() => expect(screen.getAllByTestId('document')).toHaveLength(2));
    expect(zone.className).not.toContain('drop-zone-active');
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => ((r.body as FormData).get('file') as File).name).sort()).toEqual(['a.txt', 'b.csv']);
  });
});

describe('the retrieval inspector', () => {
  const found: KnowledgeSearchResponse = {
    mode: 'hybrid',
    embedding_model: 'llama-cpp/stories260K',
    diagnostics: ['vector scores come from a weak embedding model'],
    results: [
      {
        chunk_id: 'c1', document_id: 'd1', document_name: 'guide.md', knowledge_base_id: 'kb1', text: 'The office opens at nine. <img src=x onerror="window.__pwned=1">',
        heading_path: ['Guide', 'Hours'], page: null, score: 0.0325, scores: { fulltext: 4.127345, fulltext_rank: 1, vector: 0.61, vector_rank: 2 },
      },
      {
        chunk_id: 'c2', document_id: 'd1', document_name: 'guide.md', knowledge_base_id: 'kb1', text: 'Lunch is at noon.',
        heading_path: [], page: 3, score: 0.0161, scores: { fulltext: null, fulltext_rank: null, vector: 0.72, vector_rank: 1 },
      },
    ],
  };

  it('sends the query, method and k, and shows each passage with its fused and per-method scores, as text', async () => {
    const fake = renderApp(baseApi({ current: [] }, { 'POST /api/v1/knowledge/kb1/search': () => json(found) }), '/knowledge/kb1');
    fireEvent.change(await screen.findByTestId('inspector-query'), { target: { value: 'when does the office open' } });
    fireEvent.change(screen.getByTestId('inspector-mode'), { target: { value: 'hybrid' } });
    fireEvent.change(screen.getByTestId('inspector-k'), { target: { value: '8' } });
    fireEvent.click(screen.getByTestId('inspector-search'));
    await waitFor(() => expect(screen.getAllByTestId('inspector-result')).toHaveLength(2));
    expect(fake.requests.find((r) => r.path === '/api/v1/knowledge/kb1/search')?.body).toEqual({ query: 'when does the office open', mode: 'hybrid', k: 8 });

    const [first, second] = screen.getAllByTestId('inspector-result') as [HTMLElement, HTMLElement];
    expect(within(first).getByTestId('result-score').textContent).toBe('0.0325');
    expect(first.textContent).toContain('Guide › Hours');
    expect(within(first).getByTestId('score-fulltext').textContent).toBe('Full text4.1271');
    expect(within(first).getByTestId('score-vector').textContent).toBe('Vectors0.612');
    expect(within(second).getByTestId('score-fulltext').textContent).toBe('Full text—not found');
    expect(second.textContent).toContain('page 3');
    expect(within(first).getByTestId('result-text').textContent).toBe(found.results[0]!.text);
    expect(first.querySelector('img')).toBeNull();
    expect(screen.getByTestId('inspector-diagnostics').textContent).toContain('weak embedding model');
    expect(screen.getByTestId('inspector-answer').textContent).toContain('2 passages for “when does the office open” · hybrid · vectors by llama-cpp/stories260K');
  });

  it('says why nothing came back', async () => {
    const fake = renderApp(baseApi({ current: [] }, {
      'POST /api/v1/knowledge/kb1/search': () => json({ results: [], mode: 'fulltext', embedding_model: null, diagnostics: ['No passage contains any of the words "zebra".', 'The knowledge base has 1 document still being indexed.'] }),
    }), '/knowledge/kb1');
    fireEvent.change(await screen.findByTestId('inspector-query'), { target: { value: 'zebra' } });
    fireEvent.change(screen.getByTestId('inspector-mode'), { target: { value: 'fulltext' } });
    fireEvent.click(screen.getByTestId('inspector-search'));
    const answer = await screen.findByTestId('inspector-answer');
    expect(answer.getAttribute('data-count')).toBe('0');
    expect(answer.textContent).toContain('Nothing came back for “zebra”.');
    const why = screen.getByTestId('inspector-diagnostics');
    expect(why.getAttribute('role')).toBe('note');
    expect(within(why).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['No passage contains any of the words "zebra".', 'The knowledge base has 1 document still being indexed.']);
    expect(fake.requests.find((r) => r.path.endsWith('/search'))?.body).toEqual({ query: 'zebra', mode: 'fulltext', k: 5 });
  });

  it("shows the server's error when the search is refused", async () => {
    renderApp(baseApi({ current: [] }, { 'POST /api/v1/knowledge/kb1/search': () => apiError(400, 'VALIDATION_FAILED', 'k must be at most 50.') }), '/knowledge/kb1');
    fireEvent.change(await screen.findByTestId('inspector-query'), { target: { value: 'x' } });
    fireEvent.click(screen.getByTestId('inspector-search'));
    expect((await screen.findByText(/The search failed\./)).closest('[role="alert"]')?.textContent).toContain('k must be at most 50.');
  });
});
