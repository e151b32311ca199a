import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import {
  ErrorResponse, KnowledgeBase, KnowledgeBaseCreateRequest, KnowledgeBaseList, KnowledgeDocument, KnowledgeDocumentList,
  KnowledgeSearchRequest, KnowledgeSearchResponse,
} from '@sutazai/contracts';
import { AppError } from '../../errors/catalogue.js';
import type { KnowledgeService } from '../../knowledge/knowledge-service.js';
import { openSse } from '../sse.js';

const BaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DocumentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), doc: Type.String({ minLength: 1, maxLength: 64 }) });
const errors = { 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse };

export function knowledgeRoutes(knowledge: KnowledgeService, options: { maxUploadBytes: number }) {
  return async (app: FastifyInstance) => {
    // Multipart is accepted here only; the rest of the API stays JSON-only.
    await app.register(multipart, { limits: { fileSize: options.maxUploadBytes, files: 1, fields: 4, fieldSize: 1024, parts: 6 } });
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.post('/api/v1/knowledge', {
      schema: { tags: ['knowledge'], summary: 'Create a knowledge base', body: KnowledgeBaseCreateRequest, response: { 201: KnowledgeBase, ...errors } },
    }, async (request, reply) => reply.code(201).send(await knowledge.createBase(request.ownerId, request.body)));

    api.get('/api/v1/knowledge', {
      schema: { tags: ['knowledge'], summary: 'Your knowledge bases', response: { 200: KnowledgeBaseList } },
    }, async (request) => ({ items: await knowledge.listBases(request.ownerId) }));

    api.get('/api/v1/knowledge/:id', {
      schema: { tags: ['knowledge'], summary: 'One knowledge base', params: BaseParams, response: { 200: KnowledgeBase, ...errors } },
    }, async (request) => knowledge.getBase(request.ownerId, request.params.id));

    api.delete('/api/v1/knowledge/:id', {
      schema: { tags: ['knowledge'], summary: 'Delete a knowledge base with its documents, chunks and vectors', params: BaseParams, response: { 204: Type.Null({ description: 'Deleted.' }), ...errors } },
    }, async (request, reply) => {
      await knowledge.deleteBase(request.ownerId, request.params.id);
      return reply.code(204).send(null);
    });

    api.post('/api/v1/knowledge/:id/documents', {
      schema: {
        tags: ['knowledge'], summary: 'Add a document: a multipart upload (field `file`) or {"url"}',
        description: `Answers 202 with the queued document; ingestion runs in the background. Uploads larger than ${options.maxUploadBytes} bytes get 413 before they are read.`,
        params: BaseParams, response: { 202: KnowledgeDocument, ...errors },
      },
      // A declared length over the limit is refused before a byte of the body is read.
      preValidation: async (request) => {
        const length = Number(request.headers['content-length']);
        if (request.isMultipart() && Number.isFinite(length) && length > options.maxUploadBytes + 64 * 1024) {
          throw new AppError('PAYLOAD_TOO_LARGE', `The upload is ${length} bytes; this server takes at most ${options.maxUploadBytes}.`, { hint: 'Split the document, or ask the administrator to raise KNOWLEDGE_MAX_UPLOAD_BYTES.' });
        }
      },
    }, async (request, reply) => {
      if (!request.isMultipart()) {
        const body = request.body as unknown;
        if (!isUrlBody(body)) throw new AppError('VALIDATION_FAILED', 'Send the document as multipart/form-data with a `file` field, or JSON {"url": "https://..."}.');
        return reply.code(202).send(await knowledge.addUrl(request.ownerId, request.params.id, body));
      }
      const file = await request.file();
      if (!file || file.fieldname !== 'file') throw new AppError('VALIDATION_FAILED', 'The multipart body needs a `file` field.');
      let bytes: Buffer;
      try {
        bytes = await file.toBuffer();
      } catch (error) {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${options.maxUploadBytes} bytes.`, { hint: 'Split the document, or ask the administrator to raise KNOWLEDGE_MAX_UPLOAD_BYTES.' });
        }
        throw error;
      }
      if (bytes.length === 0) throw new AppError('VALIDATION_FAILED', 'The file is empty.');
      const name = (file.filename || 'document').replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 300);
      return reply.code(202).send(await knowledge.addUpload(request.ownerId, request.params.id, { name, contentType: file.mimetype || undefined, bytes }));
    });

    api.get('/api/v1/knowledge/:id/documents', {
      schema: { tags: ['knowledge'], summary: 'The documents of a knowledge base, with status and progress', params: BaseParams, response: { 200: KnowledgeDocumentList, ...errors } },
    }, async (request) => ({ items: await knowledge.listDocuments(request.ownerId, request.params.id) }));

    api.get('/api/v1/knowledge/:id/documents/:doc', {
      schema: { tags: ['knowledge'], summary: 'One document: status (queued, processing, indexed, failed), progress, error', params: DocumentParams, response: { 200: KnowledgeDocument, ...errors } },
    }, async (request) => knowledge.getDocument(request.ownerId, request.params.id, request.params.doc));

    api.get('/api/v1/knowledge/:id/documents/:doc/events', {
      schema: { tags: ['knowledge'], summary: 'Ingestion progress as server-sent events (`progress` with the document), until it is indexed or failed', params: DocumentParams, response: errors },
    }, async (request, reply) => {
      let last = await knowledge.getDocument(request.ownerId, request.params.id, request.params.doc);
      openSse(reply);
      const send = () => reply.raw.write(`event: progress\ndata: ${JSON.stringify(last)}\n\n`);
      send();
      let closed = false;
      reply.raw.once('close', () => (closed = true));
      // The progress is stored by whichever replica runs the job, so it is read from the database.
      while (!closed && last.status !== 'indexed' && last.status !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const next = await knowledge.getDocument(request.ownerId, request.params.id, request.params.doc).catch(() => undefined);
        if (!next) break;
        if (next.updated_at !== last.updated_at || next.status !== last.status) {
          last = next;
          send();
        }
      }
      reply.raw.end();
    });

    api.delete('/api/v1/knowledge/:id/documents/:doc', {
      schema: { tags: ['knowledge'], summary: 'Delete a document, its chunks and its vectors', params: DocumentParams, response: { 204: Type.Null({ description: 'Deleted.' }), ...errors } },
    }, async (request, reply) => {
      await knowledge.deleteDocument(request.ownerId, request.params.id, request.params.doc);
      return reply.code(204).send(null);
    });

    api.post('/api/v1/knowledge/:id/search', {
      schema: {
        tags: ['knowledge'], summary: 'Search a knowledge base (the retrieval inspector): passages with each method\'s score, and why',
        params: BaseParams, body: KnowledgeSearchRequest, response: { 200: KnowledgeSearchResponse, ...errors },
      },
    }, async (request) => knowledge.search(request.ownerId, [request.params.id], {
      query: request.body.query, k: request.body.k, mode: request.body.mode, documentIds: request.body.document_ids,
    }));
  };
}

function isUrlBody(body: unknown): body is { url: string; name?: string } {
  if (typeof body !== 'object' || body === null) return false;
  const { url, name, ...rest } = body as Record<string, unknown>;
  return typeof url === 'string' && url.length > 0 && url.length <= 2048 && (name === undefined || (typeof name === 'string' && name.length <= 300)) && Object.keys(rest).length === 0;
}
