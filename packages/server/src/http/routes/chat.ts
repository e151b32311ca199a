import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ChatRequest, ChatResponse, ErrorResponse, type ChatStreamEvent, type Citation } from '@sutazai/contracts';
import type { ChatService, ResumePoint, Turn } from '../../chat/chat-service.js';
import { AppError, errorCatalogue, type ErrorCode } from '../../errors/catalogue.js';
import { attachToStream } from '../stream-attach.js';
import { eventId, formatSse, openSse, parseEventId } from '../sse.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse, 504: ErrorResponse };

/** Calls back when the credential of this request is revoked; returns the function that stops watching. */
export type WatchCredential = (request: FastifyRequest, onRevoked: () => void) => () => void;

export function chatRoutes(chat: ChatService, watch: WatchCredential) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.post('/api/v1/chat/', {
      schema: { tags: ['chat'], summary: 'Send a message and receive the whole reply', body: ChatRequest, response: { 200: ChatResponse, ...errors } },
    }, async (request, reply) => {
      const started = performance.now();
      const turn = await chat.startTurn(turnInput(request.ownerId, request.body));
      let revoked = false;
      const unwatch = watch(request, () => {
        revoked = true;
        void chat.stop(request.ownerId, turn.messageId);
      });
      let text = '';
      let citations: Citation[] | undefined;
      const final = await new Promise<ChatStreamEvent>((resolve, reject) => {
        let last: ChatStreamEvent | undefined;
        attachToStream(chat, request.ownerId, { messageId: turn.messageId, seq: undefined, offset: 0 }, {
          event: (stored) => {
            if (stored.event.type === 'text-delta') text += stored.event.text;
            if (stored.event.type === 'message-start' && stored.event.citations) citations = stored.event.citations;
            last = stored.event;
          },
          end: () => (last ? resolve(last) : reject(new AppError('INTERNAL_ERROR'))),
        }).then((attachment) => {
          if (!attachment) return reject(new AppError('STREAM_NOT_FOUND'));
          // A response closed before it was written is a client that went away.
          reply.raw.once('close', () => {
            if (!reply.raw.writableFinished) attachment.detach();
          });
        }, reject);
      }).finally(unwatch);
      if (revoked) throw new AppError('UNAUTHENTICATED', 'The credential was revoked while the reply was generated.');
      if (final.type === 'error') throw eventError(final);
      if (final.type !== 'message-end' || final.status !== 'complete') {
        throw new AppError('GENERATION_STOPPED', `The reply was stopped before it finished; ${text.length} characters are stored as interrupted in message ${turn.messageId}.`);
      }
      return {
        response: text, model: turn.model, status: 'success' as const,
        response_time: Math.round(performance.now() - started) / 1000,
        session_id: turn.sessionId, message_id: turn.messageId, usage: final.usage,
        ...(citations ? { citations } : {}),
      };
    });

    api.post('/api/v1/chat/stream', {
      schema: {
        tags: ['chat'], summary: 'Send a message and stream the reply as server-sent events',
        description: 'Events: message-start, text-delta, tool-call, tool-result, limit-reached, message-end, error. Each has an id; send it back as the Last-Event-ID header to resume after a disconnect.',
        body: ChatRequest, response: errors,
      },
    }, async (request, reply) => {
      const resume = parseEventId(header(request, 'last-event-id'));
      if (resume) return streamSse(request, reply, chat, watch, resume);
      const turn = await chat.startTurn(turnInput(request.ownerId, request.body));
      return streamSse(request, reply, chat, watch, startOf(turn));
    });

    api.get('/api/v1/chat/stream/:message_id', {
      schema: {
        tags: ['chat'], summary: 'Resume (or replay) the event stream of a reply',
        params: Type.Object({ message_id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 128 })) }),
        response: errors,
      },
    }, async (request, reply) => {
      const resume = parseEventId(header(request, 'last-event-id') ?? request.query.last_event_id);
      if (resume && resume.messageId !== request.params.message_id) throw new AppError('VALIDATION_FAILED', 'Last-Event-ID belongs to another message.');
      return streamSse(request, reply, chat, watch, resume ?? { messageId: request.params.message_id, seq: undefined, offset: 0 });
    });

    api.post('/api/v1/chat/stream/:message_id/stop', {
      schema: {
        tags: ['chat'], summary: 'Stop a reply being generated; what was generated is kept as interrupted',
        params: Type.Object({ message_id: Type.String({ maxLength: 64 }) }),
        response: { 202: Type.Object({ stopped: Type.Boolean(), message_id: Type.String() }), 404: ErrorResponse },
      },
    }, async (request, reply) => {
      if (!(await chat.stop(request.ownerId, request.params.message_id))) throw new AppError('STREAM_NOT_FOUND', 'No reply with this id is being generated.');
      return reply.code(202).send({ stopped: true, message_id: request.params.message_id });
    });
  };
}

export async function streamSse(request: FastifyRequest, reply: FastifyReply, chat: ChatService, watch: WatchCredential, from: ResumePoint): Promise<void> {
  let opened = false;
  let wrote = false;
  let ended = false;
  let keepAlive: NodeJS.Timeout | undefined;
  const open = () => {
    if (opened) return;
    opened = true;
    openSse(reply);
    // A comment line now and then keeps proxies from closing a quiet stream.
    keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
  };
  const end = () => {
    ended = true;
    clearInterval(keepAlive);
    reply.raw.end();
  };
  // Events replayed during the attach arrive before it returns: headers go out with the first.
  const attachment = await attachToStream(chat, request.ownerId, from, {
    event: (stored) => {
      open();
      wrote = true;
      reply.raw.write(formatSse(eventId(from.messageId, stored), stored));
    },
    end: () => {
      open();
      end();
    },
  });
  if (!attachment) throw new AppError('STREAM_NOT_FOUND');
  open();
  if (ended) return;
  // The headers went out with the replayed events; with none yet they must not wait for one.
  if (!wrote) reply.raw.flushHeaders();
  // A revoked key or session ends the stream at once, and the generation with it.
  const unwatch = watch(request, () => {
    attachment.detach();
    void chat.stop(request.ownerId, from.messageId);
    reply.raw.write(`event: error\ndata: ${JSON.stringify({ code: 'UNAUTHENTICATED', message: 'The credential was revoked.' })}\n\n`);
    end();
  });
  reply.raw.once('close', () => {
    clearInterval(keepAlive);
    unwatch();
    attachment.detach();
  });
}

export function turnInput(ownerId: string, body: ChatRequest) {
  return { ownerId, message: body.message, sessionId: body.session_id, agent: body.agent, model: body.model, temperature: body.temperature, maxTokens: body.max_tokens, knowledge: body.knowledge };
}

export function startOf(turn: Turn): ResumePoint {
  return { messageId: turn.messageId, seq: undefined, offset: 0 };
}

export function eventError(event: { code: string; message: string }): AppError {
  const code = (event.code in errorCatalogue ? event.code : 'INTERNAL_ERROR') as ErrorCode;
  return new AppError(code, event.message);
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
