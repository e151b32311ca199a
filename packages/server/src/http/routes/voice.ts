/**
 * Voice over HTTP: the original system's demo endpoints and OpenAI's audio endpoints.
 * Audio comes as multipart (or as a raw `audio/*` body); multipart and raw audio are
 * accepted inside this plugin only, the rest of the API stays JSON-only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import {
  ErrorResponse, OpenAISpeechRequest, TranscriptionMode, VoiceDemoHealthResponse, VoiceListResponse, VoiceSynthesizeJsonResponse, VoiceSynthesizeRequest,
  VoiceTranscriptionResponse, type VoiceAudioFormat,
} from '@sutazai/contracts';
import { AppError } from '../../errors/catalogue.js';
import { formatTranscript, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../../voice/transcript-formats.js';
import type { VoiceService } from '../../voice/voice-service.js';

/** The field names the original system's clients used for the audio. */
const AUDIO_FIELDS = new Set(['file', 'audio_file', 'audio']);
const errors = { 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse, 504: ErrorResponse };

interface Upload {
  bytes: Buffer;
  fields: Record<string, string[]>;
}

export function voiceRoutes(voice: VoiceService, options: { maxUploadBytes: number }) {
  const tooLarge = (size?: number) => new AppError('AUDIO_TOO_LARGE', size === undefined
    ? `The audio is larger than ${options.maxUploadBytes} bytes.`
    : `The upload is ${size} bytes; this server takes at most ${options.maxUploadBytes}.`);

  /** The audio and the text fields of a multipart body, or a raw audio body. */
  async function readUpload(request: FastifyRequest): Promise<Upload> {
    if (!request.isMultipart()) {
      if (Buffer.isBuffer(request.body)) return { bytes: request.body, fields: {} };
      throw new AppError('VALIDATION_FAILED', 'Send the audio as multipart/form-data in a `file` field (or `audio_file`, `audio`), or as the raw body with an audio/* Content-Type.');
    }
    const fields: Record<string, string[]> = {};
    let bytes: Buffer | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (!AUDIO_FIELDS.has(part.fieldname) || bytes) {
            part.file.resume();
            throw new AppError('VALIDATION_FAILED', `Unexpected file field "${part.fieldname}": send one audio file as \`file\`, \`audio_file\` or \`audio\`.`);
          }
          bytes = await part.toBuffer();
        } else if (typeof part.value === 'string') {
          (fields[part.fieldname] ??= []).push(part.value);
        }
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 413) throw new AppError('PAYLOAD_TOO_LARGE', `The multipart body has too many parts or fields: ${(error as Error).message}.`);
      if (status !== undefined && status >= 400 && status < 500) throw new AppError('VALIDATION_FAILED', `The multipart body could not be read: ${(error as Error).message}.`);
      throw error;
    }
    if (!bytes) throw new AppError('VALIDATION_FAILED', 'The multipart body has no audio: send it in a `file` field (or `audio_file`, `audio`).');
    return { bytes, fields };
  }

  /** A declared length over the limit is refused before a byte of the body is read. */
  const refuseLargeBodies = async (request: FastifyRequest) => {
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > options.maxUploadBytes + 64 * 1024) throw tooLarge(length);
  };

  const field = (upload: Upload, name: string): string | undefined => upload.fields[name]?.[0];

  return async (app: FastifyInstance) => {
    await app.register(multipart, { limits: { fileSize: options.maxUploadBytes, files: 1, fields: 12, fieldSize: 4096, parts: 16 } });
    // Raw audio bodies (curl --data-binary @speech.wav -H 'content-type: audio/wav').
    app.addContentTypeParser(/^(audio\/|application\/octet-stream)/, { parseAs: 'buffer', bodyLimit: options.maxUploadBytes }, (_request, body, done) => done(null, body));
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.get('/api/v1/voice/demo/health', {
      schema: { tags: ['voice'], summary: 'The voice components, each from a real probe: `healthy` or the reason it is not', response: { 200: VoiceDemoHealthResponse } },
    }, async () => voice.demoHealth());

    api.get('/api/v1/voice/voices', {
      schema: { tags: ['voice'], summary: 'The voices of the speech engine, its speed range, and what the transcription engine takes', response: { 200: VoiceListResponse, ...errors } },
    }, async () => voice.voices());

    api.post('/api/v1/voice/demo/transcribe', {
      schema: {
        tags: ['voice'], summary: 'Transcribe audio (multipart `file`, `audio_file` or `audio`; optional `language`, `mode`: dictation | commands)',
        description: `wav, webm/opus, ogg, mp3, m4a or flac, at most ${options.maxUploadBytes} bytes (413 before it is read) and VOICE_MAX_DURATION_S long. Damaged or unsupported audio gets 400 with the reason.`,
        response: { 200: VoiceTranscriptionResponse, ...errors },
      },
      preValidation: refuseLargeBodies,
    }, async (request, reply) => {
      const upload = await readUpload(request);
      const mode = field(upload, 'mode') ?? 'dictation';
      if (mode !== 'dictation' && mode !== 'commands') throw new AppError('VALIDATION_FAILED', '`mode` is `dictation` or `commands`.');
      const transcript = await voice.transcribe(upload.bytes, { language: field(upload, 'language'), mode: mode satisfies TranscriptionMode, signal: abortOnClose(reply) });
      return {
        text: transcript.text, language: transcript.language, duration_s: Math.round(transcript.durationS * 1000) / 1000, engine: transcript.engine,
        word_count: transcript.text.split(/\s+/).filter(Boolean).length,
      };
    });

    api.post('/api/v1/voice/demo/synthesize', {
      schema: {
        tags: ['voice'], summary: 'Speak text: the audio bytes, or JSON with base64 audio when Accept is application/json',
        body: VoiceSynthesizeRequest, response: { 200: VoiceSynthesizeJsonResponse, ...errors },
      },
    }, async (request, reply) => {
      const format: VoiceAudioFormat = request.body.format ?? 'wav';
      const result = await voice.synthesize(request.body.text, { voice: request.body.voice, speed: request.body.speed, format, signal: abortOnClose(reply) });
      if (wantsJson(request)) {
        return {
          status: 'success' as const, text: request.body.text, voice: result.voice, format, audio_data: result.audio.toString('base64'),
          audio_size: result.audio.length, duration_s: Math.round(result.durationS * 1000) / 1000,
        };
      }
      return sendAudio(reply, result);
    });

    api.post('/v1/audio/transcriptions', {
      schema: {
        tags: ['openai'], summary: 'OpenAI-compatible transcription (multipart: file, model, language, prompt, response_format, timestamp_granularities[])',
        response: { 200: Type.Unknown({ description: 'As OpenAI documents it, by response_format.' }), ...errors },
      },
      preValidation: refuseLargeBodies,
    }, async (request, reply) => {
      const upload = await readUpload(request);
      const format = (field(upload, 'response_format') ?? 'json') as TranscriptFormat;
      if (!TRANSCRIPT_FORMATS.includes(format)) throw new AppError('VALIDATION_FAILED', `response_format must be one of ${TRANSCRIPT_FORMATS.join(', ')}.`);
      const granularities = [...(upload.fields['timestamp_granularities[]'] ?? []), ...(upload.fields.timestamp_granularities ?? [])];
      const transcript = await voice.transcribe(upload.bytes, { language: field(upload, 'language'), prompt: field(upload, 'prompt'), signal: abortOnClose(reply) });
      const { body, contentType } = formatTranscript(transcript, format, { wordTimestamps: granularities.includes('word') });
      return reply.header('content-type', contentType).send(typeof body === 'string' ? body : JSON.stringify(body));
    });

    api.post('/v1/audio/speech', {
      schema: { tags: ['openai'], summary: 'OpenAI-compatible speech synthesis: the audio bytes', body: OpenAISpeechRequest, response: errors },
    }, async (request, reply) => {
      const body = request.body;
      if (body.stream_format === 'sse') throw new AppError('VALIDATION_FAILED', 'stream_format "sse" is not supported here; leave it out (or "audio") to get the audio bytes.');
      const result = await voice.synthesize(body.input, {
        voice: typeof body.voice === 'string' ? body.voice : body.voice.id, speed: body.speed, format: body.response_format ?? 'mp3', signal: abortOnClose(reply),
      });
      return sendAudio(reply, result);
    });
  };
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /\bapplication\/json\b/i.test(accept) && !/\baudio\//i.test(accept);
}

function sendAudio(reply: FastifyReply, result: { audio: Buffer; contentType: string; durationS: number; voice: string }) {
  return reply
    .header('content-type', result.contentType)
    .header('x-audio-duration-seconds', (Math.round(result.durationS * 1000) / 1000).toString())
    .header('x-voice', result.voice)
    .send(result.audio);
}

/** Engines stop working on a request whose client went away. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
