/**
 * The chat stream over one WebSocket: `{"type":"chat",...}` starts a turn, `{"type":"stop"}`
 * cancels it, `{"type":"resume","last_event_id":...}` picks a reply up again. Server frames
 * are the stream events with their `id`.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ChatSocketClientFrame } from '@sutazai/contracts';
import type { ChatService, ResumePoint } from '../../chat/chat-service.js';
import { AppError } from '../../errors/catalogue.js';
import { attachToStream, type Attachment } from '../stream-attach.js';
import { eventId, parseEventId } from '../sse.js';
import { startOf, turnInput, type WatchCredential } from './chat.js';

const checkFrame = TypeCompiler.Compile(ChatSocketClientFrame);
const MAX_FRAME_BYTES = 512 * 1024;

export function chatSocketRoutes(chat: ChatService, watch: WatchCredential) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/chat/ws', { websocket: true, schema: { tags: ['chat'], summary: 'Chat over a WebSocket (same events as the SSE stream)' } }, (socket, request) => {
      const ownerId = request.ownerId;
      let current: { messageId: string; attachment: Attachment } | undefined;

      const send = (frame: object) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };
      const fail = (error: unknown) => {
        const appError = error instanceof AppError ? error : new AppError('INTERNAL_ERROR');
        if (appError.status >= 500) request.log.error({ err: error }, 'websocket chat failed');
        send({ type: 'error', code: appError.code, message: appError.message, hint: appError.hint, request_id: request.id });
      };
      const follow = async (from: ResumePoint) => {
        current?.attachment.detach();
        const attachment = await attachToStream(chat, ownerId, from, {
          event: (stored) => send({ id: eventId(from.messageId, stored), ...stored.event }),
          end: () => {
            if (current?.messageId === from.messageId) current = undefined;
          },
        });
        if (!attachment) throw new AppError('STREAM_NOT_FOUND');
        current = { messageId: from.messageId, attachment };
      };

      socket.on('message', (data: Buffer, isBinary: boolean) => {
        void (async () => {
          if (isBinary || data.length > MAX_FRAME_BYTES) throw new AppError('VALIDATION_FAILED', 'Frames must be JSON text under 512 KiB.');
          let frame: unknown;
          try {
            frame = JSON.parse(data.toString('utf8'));
          } catch {
            throw new AppError('INVALID_JSON', 'Frames must be JSON objects such as {"type":"chat","message":"Hello"}.');
          }
          if (!checkFrame.Check(frame)) {
            const first = checkFrame.Errors(frame).First();
            throw new AppError('VALIDATION_FAILED', `Invalid frame${first ? `: ${first.path || '/'} ${first.message}` : ''}.`);
          }
          if (frame.type === 'stop') {
            const messageId = frame.message_id ?? current?.messageId;
            if (!messageId || !(await chat.stop(ownerId, messageId))) throw new AppError('STREAM_NOT_FOUND', 'No reply is being generated to stop.');
          } else if (frame.type === 'resume') {
            const from = parseEventId(frame.last_event_id);
            if (!from) throw new AppError('VALIDATION_FAILED', 'last_event_id is not an event id from this server.');
            await follow(from);
          } else {
            const turn = await chat.startTurn(turnInput(ownerId, frame));
            await follow(startOf(turn));
          }
        })().catch(fail);
      });
      // A revoked key or session closes the socket and stops what it was generating.
      const unwatch = watch(request, () => {
        send({ type: 'error', code: 'UNAUTHENTICATED', message: 'The credential was revoked.' });
        if (current) void chat.stop(ownerId, current.messageId);
        socket.close(4401, 'credential revoked');
      });
      const cleanUp = () => {
        unwatch();
        current?.attachment.detach();
      };
      socket.on('close', cleanUp);
      socket.on('error', cleanUp);
    });
  };
}

export type { WebSocket };
