/**
 * Knowledge bases: documents in, chunks and vectors out, hybrid search back. Ingestion is a
 * background job (`knowledge-ingest`) with progress stored on the document, so any replica
 * can report it; deleting a document removes its chunks (full-text index included, by the
 * database) and its vectors.
 */
import type { Citation, KnowledgeBase, KnowledgeDocument, KnowledgeSearchResponse, SearchMode, SearchResult } from '@sutazai/contracts';
import { AppError } from '../errors/catalogue.js';
import type { JobConsumer, JobQueue } from '../events/queue/job-queue.js';
import type { Logger } from '../logger.js';
import { OutboundResponseTooLargeError, readLimitedBody } from '../net/read-limited-body.js';
import { toAppError } from '../chat/provider-errors.js';
import { ProviderError } from '../llm/provider.js';
import { isIngestionError } from './ingestion/document-errors.js';
import type { Storage } from '../storage/database.js';
import { newId } from '../storage/ids.js';
import {
  chunksByIds, claimEmbeddingModel, deleteBase, deleteDocument, documentsOfBase, fullTextSearch, getBase, getBaseById, getDocument,
  getDocumentById, insertBase, insertDocument, listBases, listDocuments, replaceChunks, resetEmbeddingModel, updateDocument, uploadedBytes,
  type BaseWithCounts, type DocumentRow,
} from '../storage/knowledge-repository.js';
import { chunkEmbeddingText } from './ingestion/chunk-document.js';
import type { Chunk, ChunkingOptions, ParsedDocument } from './ingestion/document.js';
import type { EmbedderResolution } from './embedder.js';
import { fuse, searchTerms, type RankedId } from './fusion.js';
import type { VectorStore } from './vector-stores/vector-store.js';
import { collectionOf } from './vector-stores/collection-names.js';

export const KNOWLEDGE_INGEST_JOB = 'knowledge-ingest';

export interface Ingestion {
  parse(input: { bytes: Uint8Array; filename: string; contentType: string | undefined }): Promise<ParsedDocument>;
  chunk(parsed: ParsedDocument, options: ChunkingOptions): Chunk[];
}

export interface KnowledgeServiceOptions {
  storage: Storage;
  queue: JobQueue;
  vectors: VectorStore;
  embedder: () => Promise<EmbedderResolution>;
  ingestion: Ingestion;
  /** The guarded fetch: documents by URL go through the outbound-request guard. */
  fetch: typeof fetch;
  logger: Logger;
  maxDocumentBytes: number;
  chunking?: ChunkingOptions;
  embedBatchSize?: number;
  fetchTimeoutMs?: number;
}

export interface SearchOptions {
  query: string;
  k?: number | undefined;
  mode?: SearchMode | undefined;
  documentIds?: readonly string[] | undefined;
}

export interface KnowledgeService {
  createBase(ownerId: string, input: { name: string; description?: string | undefined }): Promise<KnowledgeBase>;
  listBases(ownerId: string): Promise<KnowledgeBase[]>;
  getBase(ownerId: string, id: string): Promise<KnowledgeBase>;
  deleteBase(ownerId: string, id: string): Promise<void>;
  addUpload(ownerId: string, baseId: string, file: { name: string; contentType: string | undefined; bytes: Uint8Array }): Promise<KnowledgeDocument>;
  addUrl(ownerId: string, baseId: string, input: { url: string; name?: string | undefined }): Promise<KnowledgeDocument>;
  listDocuments(ownerId: string, baseId: string): Promise<KnowledgeDocument[]>;
  getDocument(ownerId: string, baseId: string, id: string): Promise<KnowledgeDocument>;
  deleteDocument(ownerId: string, baseId: string, id: string): Promise<void>;
  /** Hybrid (or one-method) search over the owner's bases, with the reasons behind the results. */
  search(ownerId: string, baseIds: readonly string[], options: SearchOptions): Promise<KnowledgeSearchResponse>;
  /** The ids among these that exist and are the owner's. */
  existingBases(ownerId: string, ids: readonly string[]): Promise<string[]>;
  /** Passages for a chat turn, numbered as the reply should cite them. */
  retrieveForChat(ownerId: string, baseIds: readonly string[], query: string, k: number): Promise<Citation[]>;
  startWorker(options: { concurrency: number }): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CHUNKING: ChunkingOptions = { maxChars: 1200, overlapChars: 150 };

export function createKnowledgeService(options: KnowledgeServiceOptions): KnowledgeService {
  const { storage, queue, vectors, logger } = options;
  const db = storage.db;
  const chunking = options.chunking ?? DEFAULT_CHUNKING;
  const batchSize = options.embedBatchSize ?? 32;
  let consumer: JobConsumer | undefined;

  async function ownBase(ownerId: string, id: string): Promise<BaseWithCounts> {
    const [base] = await listBases(db, ownerId, [id]);
    if (!base) throw new AppError('KNOWLEDGE_BASE_NOT_FOUND', `No knowledge base "${id}".`);
    return base;
  }

  async function enqueue(documentId: string): Promise<void> {
    await queue.enqueue({ id: `${documentId}:${Date.now()}`, kind: KNOWLEDGE_INGEST_JOB, payload: { documentId } });
  }

  async function add(ownerId: string, baseId: string, doc: { name: string; source: 'upload' | 'url'; url: string | null; contentType: string | undefined; size: number | null }, bytes?: Uint8Array): Promise<KnowledgeDocument> {
    await ownBase(ownerId, baseId);
    const now = Date.now();
    const id = newId(now);
    await insertDocument(db, { id, owner_id: ownerId, knowledge_base_id: baseId, name: doc.name, source: doc.source, url: doc.url, content_type: doc.contentType ?? null, size_bytes: doc.size, now }, bytes);
    try {
      await enqueue(id);
    } catch (error) {
      await updateDocument(db, id, { status: 'failed', stage: 'failed', error_code: 'QUEUE_UNAVAILABLE', error_message: 'The job queue did not accept the document.', updated_at: Date.now() });
      throw new AppError('QUEUE_UNAVAILABLE', undefined, { cause: error });
    }
    return toDocument((await getDocumentById(db, id))!);
  }

  /**
   * A base indexed with another embedding model than the current one is indexed again from
   * its sources rather than mixing vectors of two models. True when that was started.
   */
  async function reindexIfModelChanged(baseId: string, model: string): Promise<boolean> {
    const base = await getBaseById(db, baseId);
    if (!base?.embedding_model || base.embedding_model === model) return false;
    logger.info({ baseId, from: base.embedding_model, to: model }, 'embedding model changed: indexing the knowledge base again');
    await vectors.dropCollection(collectionOf(baseId, base.embedding_model)).catch((error: unknown) => logger.warn({ err: error, baseId }, 'could not drop the old vector collection'));
    await resetEmbeddingModel(db, baseId, Date.now());
    for (const doc of await documentsOfBase(db, baseId)) {
      if (doc.status === 'failed') continue;
      await updateDocument(db, doc.id, { status: 'queued', stage: 'queued (embedding model changed)', progress: 0, vector_count: 0, updated_at: Date.now() });
      await enqueue(doc.id);
    }
    return true;
  }

  async function ingest(documentId: string, signal: AbortSignal): Promise<void> {
    const doc = await getDocumentById(db, documentId);
    if (!doc || doc.status === 'indexed' || doc.status === 'failed') return; // gone or done: a redelivery has nothing to do
    const progress = (stage: string, percent: number) => updateDocument(db, documentId, { status: 'processing', stage, progress: Math.round(percent), updated_at: Date.now() });
    try {
      await progress(doc.source === 'url' ? 'fetching' : 'reading', 2);
      const source = await sourceOf(doc, signal);
      await progress('parsing', 8);
      const parsed = await options.ingestion.parse({ bytes: source.bytes, filename: doc.name, contentType: source.contentType });
      await progress('chunking', 15);
      const chunks = options.ingestion.chunk(parsed, chunking);
      if (chunks.length === 0) throw new AppError('DOCUMENT_EMPTY', `"${doc.name}" has no text to index.`);
      const ids = chunks.map(() => newId());
      await replaceChunks(db, documentId, chunks.map((chunk, i) => ({
        id: ids[i]!, owner_id: doc.owner_id, knowledge_base_id: doc.knowledge_base_id, position: chunk.index, text: chunk.text,
        heading_path: JSON.stringify(chunk.headingPath), start_offset: chunk.start, end_offset: chunk.end, page: chunk.page ?? null,
      })));
      await updateDocument(db, documentId, { chunk_count: chunks.length, updated_at: Date.now() });

      const resolution = await options.embedder();
      if (!resolution.embedder) {
        await finish(documentId, { stage: `indexed for full-text search only: ${resolution.reason}`, vector_count: 0, embedding_model: null });
        return;
      }
      const { embedder } = resolution;
      if (await reindexIfModelChanged(doc.knowledge_base_id, embedder.model)) return; // this document is queued again with the rest
      let collection: string | undefined;
      let stored = 0;
      for (let i = 0; i < chunks.length; i += batchSize) {
        if (signal.aborted) throw signal.reason;
        await progress(`embedding with ${embedder.model}`, 20 + (75 * i) / chunks.length);
        const batch = chunks.slice(i, i + batchSize);
        const embeddings = await embedder.embed(batch.map((c) => chunkEmbeddingText(c)), signal);
        if (!collection) {
          const dimensions = embeddings[0]!.length;
          if (!await claimEmbeddingModel(db, doc.knowledge_base_id, embedder.model, dimensions, Date.now())) {
            throw new AppError('EMBEDDING_MODEL_MISMATCH', `The knowledge base is indexed with another embedding model than ${embedder.model} (${dimensions} dimensions).`);
          }
          collection = collectionOf(doc.knowledge_base_id, embedder.model);
          await vectors.ensureCollection({ name: collection, dimensions });
          await vectors.deleteDocument(collection, documentId);
        }
        await vectors.upsert(collection, embeddings.map((vector, j) => ({ id: ids[i + j]!, documentId, vector })));
        stored += embeddings.length;
      }
      await finish(documentId, { stage: 'indexed', vector_count: stored, embedding_model: embedder.model });
    } catch (error) {
      if (signal.aborted) {
        await updateDocument(db, documentId, { status: 'queued', stage: 'queued (interrupted)', updated_at: Date.now() });
        throw error; // handed back to the queue
      }
      const failure = error instanceof AppError ? error : documentError(error);
      if (failure.code === 'INTERNAL_ERROR') logger.error({ err: error, documentId }, 'document ingestion failed');
      await updateDocument(db, documentId, { status: 'failed', stage: 'failed', error_code: failure.code, error_message: failure.message, updated_at: Date.now() });
    }
  }

  async function finish(documentId: string, fields: { stage: string; vector_count: number; embedding_model: string | null }): Promise<void> {
    const now = Date.now();
    await updateDocument(db, documentId, { ...fields, status: 'indexed', progress: 100, error_code: null, error_message: null, updated_at: now, indexed_at: now });
  }

  async function sourceOf(doc: DocumentRow, signal: AbortSignal): Promise<{ bytes: Uint8Array; contentType: string | undefined }> {
    if (doc.source === 'upload') {
      const bytes = await uploadedBytes(db, doc.id);
      if (!bytes) throw new AppError('DOCUMENT_PARSE_FAILED', 'The uploaded file is missing.');
      return { bytes: bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), contentType: doc.content_type ?? undefined };
    }
    const timeout = AbortSignal.timeout(options.fetchTimeoutMs ?? 30_000);
    const response = await options.fetch(doc.url!, { signal: AbortSignal.any([signal, timeout]), redirect: 'follow' });
    if (!response.ok) throw new AppError('DOCUMENT_FETCH_FAILED', `${doc.url} answered HTTP ${response.status}.`);
    const bytes = await readLimitedBody(response, options.maxDocumentBytes);
    const contentType = response.headers.get('content-type') ?? undefined;
    await updateDocument(db, doc.id, { size_bytes: bytes.length, content_type: contentType ?? null, updated_at: Date.now() });
    return { bytes, contentType };
  }

  async function search(ownerId: string, baseIds: readonly string[], request: SearchOptions): Promise<KnowledgeSearchResponse> {
    const mode = request.mode ?? 'hybrid';
    const k = request.k ?? 5;
    const bases = await listBases(db, ownerId, [...new Set(baseIds)]);
    const missing = baseIds.filter((id) => !bases.some((b) => b.id === id));
    if (missing.length > 0) throw new AppError('KNOWLEDGE_BASE_NOT_FOUND', `No knowledge base "${missing[0]}".`);
    const diagnostics: string[] = [];
    const depth = Math.max(k * 4, 20);
    if (bases.every((b) => b.chunk_count === 0)) diagnostics.push('Nothing is indexed yet: add documents and wait until they are indexed.');

    let fulltext: RankedId[] = [];
    if (mode !== 'vector') {
      const terms = searchTerms(request.query);
      fulltext = await fullTextSearch(db, storage.dialect, { ownerId, baseIds: bases.map((b) => b.id), documentIds: request.documentIds, terms, limit: depth });
      if (fulltext.length === 0) diagnostics.push(`Full-text: no passage contains any of ${terms.map((t) => `"${t}"`).join(', ') || 'the query\'s words'}.`);
    }

    let vector: RankedId[] = [];
    let embeddingModel: string | null = null;
    if (mode !== 'fulltext') {
      const resolution = await options.embedder();
      if (!resolution.embedder) {
        diagnostics.push(`Vector search skipped: ${resolution.reason}.`);
      } else {
        embeddingModel = resolution.embedder.model;
        const indexed = bases.filter((b) => b.embedding_model === resolution.embedder.model);
        for (const base of bases.filter((b) => b.embedding_model && b.embedding_model !== resolution.embedder.model)) {
          diagnostics.push(`Vector search skipped for "${base.name}": it was indexed with ${base.embedding_model}, not ${resolution.embedder.model}; it is being indexed again.`);
          await reindexIfModelChanged(base.id, resolution.embedder.model);
        }
        if (indexed.length > 0) {
          const [queryVector] = await resolution.embedder.embed([request.query]);
          const perBase = await Promise.all(indexed.map((base) => vectors.search(collectionOf(base.id, resolution.embedder.model), { vector: queryVector!, k: depth, ...(request.documentIds ? { documentIds: request.documentIds } : {}) })));
          vector = perBase.flat().sort((a, b) => b.score - a.score).slice(0, depth).map((m) => ({ id: m.id, score: m.score }));
          if (vector.length === 0) diagnostics.push('Vector: no vectors stored for these documents.');
        } else if (bases.some((b) => b.chunk_count > 0)) {
          diagnostics.push('Vector: no document of these knowledge bases has vectors yet.');
        }
      }
    }

    let ranked: { id: string; score: number; fulltext?: { score: number; rank: number } | undefined; vector?: { score: number; rank: number } | undefined }[];
    if (mode === 'fulltext') ranked = fulltext.slice(0, k).map((hit, i) => ({ ...hit, fulltext: { score: hit.score, rank: i + 1 } }));
    else if (mode === 'vector') ranked = vector.slice(0, k).map((hit, i) => ({ ...hit, vector: { score: hit.score, rank: i + 1 } }));
    else {
      const fused = fuse(fulltext, vector, k, bases.reduce((total, b) => total + b.chunk_count, 0));
      if (vector.length > 0 && fulltext.length > 0 && fused.vectorWeight < 1) {
        diagnostics.push(`Hybrid: the vector ranking agreed little with the full-text one, so it counted ${Math.round(fused.vectorWeight * 100)}%.`);
      }
      ranked = fused.hits;
    }
    const chunks = new Map((await chunksByIds(db, ownerId, ranked.map((hit) => hit.id))).map((c) => [c.id, c]));
    const results: SearchResult[] = ranked.flatMap((hit) => {
      const chunk = chunks.get(hit.id);
      if (!chunk) return [];
      return [{
        chunk_id: chunk.id, document_id: chunk.document_id, document_name: chunk.document_name, knowledge_base_id: chunk.knowledge_base_id,
        text: chunk.text, heading_path: JSON.parse(chunk.heading_path) as string[], page: chunk.page, score: round(hit.score),
        scores: {
          fulltext: hit.fulltext ? round(hit.fulltext.score) : null, fulltext_rank: hit.fulltext?.rank ?? null,
          vector: hit.vector ? round(hit.vector.score) : null, vector_rank: hit.vector?.rank ?? null,
        },
      }];
    });
    if (results.length === 0 && diagnostics.length === 0) diagnostics.push('No passage matched.');
    return { results, mode, diagnostics, embedding_model: embeddingModel };
  }

  return {
    async createBase(ownerId, input) {
      const now = Date.now();
      const id = newId(now);
      await insertBase(db, { id, owner_id: ownerId, name: input.name, description: input.description ?? '', now });
      return toBase(await ownBase(ownerId, id));
    },
    listBases: async (ownerId) => (await listBases(db, ownerId)).map(toBase),
    getBase: async (ownerId, id) => toBase(await ownBase(ownerId, id)),
    async deleteBase(ownerId, id) {
      const base = await getBase(db, ownerId, id);
      if (!base) throw new AppError('KNOWLEDGE_BASE_NOT_FOUND', `No knowledge base "${id}".`);
      await deleteBase(db, ownerId, id);
      if (base.embedding_model) await vectors.dropCollection(collectionOf(id, base.embedding_model)).catch((error: unknown) => logger.warn({ err: error, id }, 'could not drop the vector collection'));
    },
    addUpload: (ownerId, baseId, file) => add(ownerId, baseId, { name: file.name, source: 'upload', url: null, contentType: file.contentType, size: file.bytes.length }, file.bytes),
    async addUrl(ownerId, baseId, input) {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        throw new AppError('VALIDATION_FAILED', `"${input.url}" is not a URL.`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('VALIDATION_FAILED', 'Only http and https URLs can be added.');
      const name = input.name ?? (decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '') || url.hostname);
      return add(ownerId, baseId, { name, source: 'url', url: url.href, contentType: undefined, size: null });
    },
    async listDocuments(ownerId, baseId) {
      await ownBase(ownerId, baseId);
      return (await listDocuments(db, ownerId, baseId)).map(toDocument);
    },
    async getDocument(ownerId, baseId, id) {
      const doc = await getDocument(db, ownerId, baseId, id);
      if (!doc) throw new AppError('DOCUMENT_NOT_FOUND', `No document "${id}" in this knowledge base.`);
      return toDocument(doc);
    },
    async deleteDocument(ownerId, baseId, id) {
      const base = await getBase(db, ownerId, baseId);
      if (!base || !await deleteDocument(db, ownerId, baseId, id)) throw new AppError('DOCUMENT_NOT_FOUND', `No document "${id}" in this knowledge base.`);
      if (base.embedding_model) await vectors.deleteDocument(collectionOf(baseId, base.embedding_model), id);
    },
    search,
    existingBases: async (ownerId, ids) => (await listBases(db, ownerId, [...new Set(ids)])).map((b) => b.id),
    async retrieveForChat(ownerId, baseIds, query, k) {
      const { results } = await search(ownerId, baseIds, { query, k, mode: 'hybrid' });
      return results.map((r, i) => ({ n: i + 1, document_id: r.document_id, document_name: r.document_name, knowledge_base_id: r.knowledge_base_id, chunk_id: r.chunk_id, text: r.text }));
    },
    async startWorker({ concurrency }) {
      consumer = await queue.consume<{ documentId: string }>(KNOWLEDGE_INGEST_JOB, (job, context) => ingest(job.payload.documentId, context.signal), { concurrency });
    },
    async close() {
      await consumer?.close();
    },
  };
}

/** What stopped ingestion, as a catalogue error: the parsers' own codes and hints, then what a fetch or an embedding call throws. */
function documentError(error: unknown): AppError {
  if (isIngestionError(error)) return new AppError(error.code, error.message, { hint: error.hint, cause: error });
  if (error instanceof OutboundResponseTooLargeError) return new AppError('PAYLOAD_TOO_LARGE', error.message, { cause: error });
  const name = (error as Error | undefined)?.name ?? '';
  if (name === 'TimeoutError' || name === 'AbortError') return new AppError('DOCUMENT_FETCH_FAILED', `The document could not be fetched in time: ${(error as Error).message}`, { cause: error });
  if (error instanceof TypeError && /fetch/i.test(error.message)) return new AppError('DOCUMENT_FETCH_FAILED', error.message, { cause: error });
  // Blocked addresses and the embedding provider's errors map as they do for a chat turn.
  const mapped = toAppError(error);
  if (mapped.code === 'INTERNAL_ERROR') return new AppError('INTERNAL_ERROR', 'The document could not be indexed.', { cause: error });
  return error instanceof ProviderError ? new AppError(mapped.code, `Embedding failed: ${mapped.message}`, { hint: mapped.hint, cause: error }) : mapped;
}

function toBase(row: BaseWithCounts): KnowledgeBase {
  return {
    id: row.id, name: row.name, description: row.description, embedding_model: row.embedding_model,
    document_count: row.document_count, chunk_count: row.chunk_count, created_at: Number(row.created_at), updated_at: Number(row.updated_at),
  };
}

export function toDocument(row: DocumentRow): KnowledgeDocument {
  return {
    id: row.id, knowledge_base_id: row.knowledge_base_id, name: row.name, source: row.source, url: row.url, content_type: row.content_type,
    size_bytes: row.size_bytes === null ? null : Number(row.size_bytes), status: row.status, progress: row.progress, stage: row.stage,
    error_code: row.error_code, error_message: row.error_message, chunk_count: row.chunk_count, vector_count: row.vector_count,
    embedding_model: row.embedding_model, created_at: Number(row.created_at), updated_at: Number(row.updated_at),
    indexed_at: row.indexed_at === null ? null : Number(row.indexed_at),
  };
}

/** Four significant digits: BM25 scores on a small collection are tiny but still ordered. */
function round(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(4));
}

