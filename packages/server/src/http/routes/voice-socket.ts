/**
 * The hands-free conversation over one WebSocket: JSON control frames and binary PCM in,
 * JSON events and binary audio out. The protocol is in `@sutazai/contracts` (voice.ts);
 * the loop itself is the voice service's.
 */
import type { FastifyInstance } from 'fastify';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { VoiceSocketClientFrame } from '@sutazai/contracts';
import { AppError } from '../../errors/catalogue.js';
import type { VoiceService } from '../../voice/voice-service.js';
import type { WatchCredential } from './chat.js';

const checkFrame = TypeCompiler.Compile(VoiceSocketClientFrame);
/** 2 s of 16 kHz PCM16; clients send 20–100 ms at a time. */
const MAX_AUDIO_FRAME_BYTES = 64 * 1024;
const MAX_TEXT_FRAME_BYTES = 16 * 1024;

export function voiceSocketRoutes(voice: VoiceService, watch: WatchCredential) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/voice/ws', {
      websocket: true,
      schema: { tags: ['voice'], summary: 'Hands-free conversation: PCM16 16 kHz in, transcript, reply text and spoken sentences out (protocol in contracts/voice.ts and the README)' },
    }, (socket, request) => {
      const conversation = voice.conversation(request.ownerId, {
        send(frame, binary) {
          if (socket.readyState !== socket.OPEN) return;
          socket.send(JSON.stringify(frame));
          if (binary) socket.send(binary, { binary: true });
        },
      });
      const fail = (error: unknown) => {
        const appError = error instanceof AppError ? error : new AppError('INTERNAL_ERROR', undefined, { cause: error });
        if (appError.status >= 500) request.log.error({ err: error }, 'voice socket failed');
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', code: appError.code, message: appError.message, hint: appError.hint, request_id: request.id }));
      };

      socket.on('message', (data: Buffer, isBinary: boolean) => {
        try {
          if (isBinary) {
            if (data.length > MAX_AUDIO_FRAME_BYTES) throw new AppError('VALIDATION_FAILED', `Audio frames are at most ${MAX_AUDIO_FRAME_BYTES} bytes; send 20–100 ms at a time.`);
            conversation.audio(data);
            return;
          }
          if (data.length > MAX_TEXT_FRAME_BYTES) throw new AppError('VALIDATION_FAILED', 'Control frames are JSON text under 16 KiB.');
          let frame: unknown;
          try {
            frame = JSON.parse(data.toString('utf8'));
          } catch {
            throw new AppError('INVALID_JSON', 'Control frames are JSON objects such as {"type":"start","format":"pcm16","sample_rate":16000}.');
          }
          if (!checkFrame.Check(frame)) {
            const first = checkFrame.Errors(frame).First();
            throw new AppError('VALIDATION_FAILED', `Invalid frame${first ? `: ${first.path || '/'} ${first.message}` : ''}.`);
          }
          if (frame.type === 'start') void conversation.start(frame).catch(fail);
          else if (frame.type === 'end-utterance') conversation.endUtterance();
          else if (frame.type === 'stop') conversation.stop();
          else conversation.playbackEnded();
        } catch (error) {
          fail(error);
        }
      });
      // A revoked key or session ends the conversation.
      const unwatch = watch(request, () => {
        fail(new AppError('UNAUTHENTICATED', 'The credential was revoked.'));
        conversation.stop();
        socket.close(4401, 'credential revoked');
      });
      const cleanUp = () => {
        unwatch();
        conversation.close();
      };
      socket.on('close', cleanUp);
      socket.on('error', cleanUp);
    });
  };
}
