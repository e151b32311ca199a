/** A document's ingestion as it happens: GET .../documents/{doc}/events, one `progress` event per change. */
import type { ApiClient } from './api-client';
import { EVENT_STREAM_HEADERS, readEventStream } from './event-stream';
import type { KnowledgeDocument } from './types';

export async function* streamDocumentProgress(client: ApiClient, baseId: string, documentId: string, signal?: AbortSignal): AsyncGenerator<KnowledgeDocument> {
  const path = `/api/v1/knowledge/${encodeURIComponent(baseId)}/documents/${encodeURIComponent(documentId)}/events`;
  for await (const received of readEventStream(client.request('GET', path, { signal, headers: { ...EVENT_STREAM_HEADERS } }))) {
    if (received.event === 'progress') yield received.data as unknown as KnowledgeDocument;
  }
}
