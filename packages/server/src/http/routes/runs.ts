import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, Run, RunCreateRequest, RunList, RunListQuery } from '@sutazai/contracts';
import { toRun, type RunService } from '../../agents/agent-runs.js';
import type { ChatService } from '../../chat/chat-service.js';
import { AppError } from '../../errors/catalogue.js';
import { parseEventId } from '../sse.js';
import { header, streamSse, type WatchCredential } from './chat.js';

const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };

export function runRoutes(runs: RunService, chat: ChatService, watch: WatchCredential) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.post('/api/v1/agents/:id/runs', {
      schema: {
        tags: ['runs'], summary: 'Start an agent run in the background',
        description: 'Answers 202 with the queued run at once. Watch it with GET /api/v1/runs/{id} (status, result) or its events with GET /api/v1/runs/{id}/events.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }), body: RunCreateRequest, response: { 202: Run, ...errors },
      },
    }, async (request, reply) => reply.code(202).send(await runs.start(request.ownerId, request.params.id, request.body)));

    api.get('/api/v1/runs', {
      schema: { tags: ['runs'], summary: 'Your runs, newest first', querystring: RunListQuery, response: { 200: RunList, 400: ErrorResponse } },
    }, async (request) => {
      const page = await runs.list(request.ownerId, { limit: request.query.limit ?? 20, agentId: request.query.agent, cursor: request.query.cursor });
      return { items: page.items, next_cursor: page.nextCursor };
    });

    api.get('/api/v1/runs/:id', {
      schema: { tags: ['runs'], summary: 'A run: status, result, error', params: RunParams, response: { 200: Run, ...errors } },
    }, async (request) => toRun(await runs.get(request.ownerId, request.params.id)));

    api.post('/api/v1/runs/:id/cancel', {
      schema: { tags: ['runs'], summary: 'Cancel a queued or running run; what it generated is kept', params: RunParams, response: { 200: Run, ...errors } },
    }, async (request) => runs.cancel(request.ownerId, request.params.id));

    api.get('/api/v1/runs/:id/events', {
      schema: {
        tags: ['runs'], summary: "A run's events as server-sent events, live or replayed",
        description: 'The events of the run\'s reply (message-start, text-delta, tool-call, tool-result, limit-reached, message-end, error), resumable with Last-Event-ID. 409 RUN_NOT_STARTED while the run waits in the queue.',
        params: RunParams, querystring: Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 128 })) }), response: errors,
      },
    }, async (request, reply) => {
      const run = await runs.get(request.ownerId, request.params.id);
      if (!run.message_id) throw new AppError('RUN_NOT_STARTED', `The run "${run.id}" is ${run.status} and has no events yet.`);
      const resume = parseEventId(header(request, 'last-event-id') ?? request.query.last_event_id);
      if (resume && resume.messageId !== run.message_id) throw new AppError('VALIDATION_FAILED', 'Last-Event-ID belongs to another stream.');
      return streamSse(request, reply, chat, watch, resume ?? { messageId: run.message_id, seq: undefined, offset: 0 });
    });
  };
}
