import { Type, type Static } from '@sinclair/typebox';
import { ConversationId } from './chat.js';

/** Formats synthesised audio is answered in. `pcm` is OpenAI's: raw 24 kHz 16-bit little-endian mono. */
export const VOICE_AUDIO_FORMATS = ['wav', 'mp3', 'ogg', 'opus', 'flac', 'aac', 'pcm'] as const;
export const VoiceAudioFormat = Type.Union(VOICE_AUDIO_FORMATS.map((format) => Type.Literal(format)), { description: 'wav, mp3, ogg (Vorbis), opus (Ogg Opus), flac, aac (ADTS) or pcm (raw 24 kHz s16le).' });
export type VoiceAudioFormat = Static<typeof VoiceAudioFormat>;

/** Longest text spoken in one request (OpenAI's limit too). */
export const MAX_SPEECH_CHARS = 4096;

const VoiceName = Type.String({ minLength: 1, maxLength: 81, description: 'A voice from GET /api/v1/voice/voices (espeak-ng: `en-us`, `en-gb`, `en-us+f3`); OpenAI voice names map to the default voice on engines without them.' });
const Speed = Type.Number({ minimum: 0.25, maximum: 4, description: '1 is normal; each engine clamps to what it can do (espeak-ng 0.5..2.5).' });

/** `healthy`, or the reason the component is not. */
export const VoiceComponentState = Type.String();

/** GET /api/v1/voice/demo/health: the original system's shape. */
export const VoiceDemoHealthResponse = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded')]),
  components: Type.Object({
    voice_service: VoiceComponentState,
    wake_word: VoiceComponentState,
    tts: VoiceComponentState,
    asr: VoiceComponentState,
    jarvis: VoiceComponentState,
  }),
});
export type VoiceDemoHealthResponse = Static<typeof VoiceDemoHealthResponse>;

/** POST /api/v1/voice/demo/transcribe (multipart: the audio as `file`, `audio_file` or `audio`; optional `language`, `mode`). */
export const VoiceTranscriptionResponse = Type.Object({
  text: Type.String(),
  language: Type.String(),
  duration_s: Type.Number(),
  engine: Type.String(),
  word_count: Type.Integer(),
});
export type VoiceTranscriptionResponse = Static<typeof VoiceTranscriptionResponse>;

/** `dictation`: free speech; `commands`: the wake word and the command phrases only (a grammar on engines that have one). */
export const TranscriptionMode = Type.Union([Type.Literal('dictation'), Type.Literal('commands')]);
export type TranscriptionMode = Static<typeof TranscriptionMode>;

export const VoiceSynthesizeRequest = Type.Object({
  text: Type.String({ minLength: 1, maxLength: MAX_SPEECH_CHARS }),
  voice: Type.Optional(VoiceName),
  format: Type.Optional(VoiceAudioFormat),
  speed: Type.Optional(Speed),
}, { additionalProperties: false });
export type VoiceSynthesizeRequest = Static<typeof VoiceSynthesizeRequest>;

/** The synthesis as JSON (`Accept: application/json`); otherwise the bytes are the body. */
export const VoiceSynthesizeJsonResponse = Type.Object({
  status: Type.Literal('success'),
  text: Type.String(),
  voice: Type.String(),
  format: VoiceAudioFormat,
  audio_data: Type.String({ description: 'The audio, base64.' }),
  audio_size: Type.Integer({ description: 'Bytes of audio.' }),
  duration_s: Type.Number(),
});
export type VoiceSynthesizeJsonResponse = Static<typeof VoiceSynthesizeJsonResponse>;

export const VoiceInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  language: Type.Union([Type.String(), Type.Null()]),
  gender: Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Null()]),
});
export type VoiceInfo = Static<typeof VoiceInfo>;

export const VoiceListResponse = Type.Object({
  engine: Type.String(),
  default_voice: Type.String(),
  speed: Type.Object({ min: Type.Number(), max: Type.Number() }),
  voices: Type.Array(VoiceInfo),
  transcription: Type.Object({ engine: Type.String(), languages: Type.Union([Type.Array(Type.String()), Type.Literal('any')]), grammar: Type.Boolean() }),
});
export type VoiceListResponse = Static<typeof VoiceListResponse>;

/** POST /v1/audio/speech, as OpenAI defines it. */
export const OpenAISpeechRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  input: Type.String({ minLength: 1, maxLength: MAX_SPEECH_CHARS }),
  voice: Type.Union([VoiceName, Type.Object({ id: VoiceName })]),
  response_format: Type.Optional(VoiceAudioFormat),
  speed: Type.Optional(Speed),
  instructions: Type.Optional(Type.String({ maxLength: 4096 })),
  stream_format: Type.Optional(Type.Union([Type.Literal('audio'), Type.Literal('sse')])),
});
export type OpenAISpeechRequest = Static<typeof OpenAISpeechRequest>;

/*
 * GET /api/v1/voice/ws: a hands-free conversation over one WebSocket.
 *
 * 1. The client sends a `start` frame (JSON text); the server answers `ready`.
 * 2. The client streams microphone audio as binary frames: 16-bit little-endian mono PCM
 *    at 16 kHz, any length up to 64 KiB each (20–100 ms per frame is typical).
 * 3. The server runs voice-activity detection. It sends `speech-start` when speech begins
 *    and `speech-end` after `silence_ms` of silence, then `transcript`. When the transcript
 *    starts a turn (always in `conversation` mode; in `commands` mode only after "Jarvis"),
 *    the chat turn's events follow, as on /api/v1/chat/ws (`message-start`, `text-delta`,
 *    `message-end`, ...), and the reply is stored in the conversation as text.
 * 4. As each sentence of the reply is complete it is synthesised and sent as an `audio`
 *    frame (JSON) immediately followed by one binary frame with its bytes; the first audio
 *    leaves before the reply is finished. `audio-end` follows the last one.
 * 5. Speech while the assistant talks (barge-in, when `barge_in` is on) stops the
 *    generation and the synthesis: the server sends `playback-stop` (stop playing and drop
 *    queued audio) and goes on with the new utterance. `{"type":"stop"}` does the same
 *    without speaking; "Jarvis stop" does it in `commands` mode.
 * `state` frames say what the assistant is doing: listening, hearing, thinking, speaking.
 * Errors arrive as `error` frames; the socket stays open unless the credential is revoked.
 */
export const VoiceSocketStartFrame = Type.Object({
  type: Type.Literal('start'),
  format: Type.Literal('pcm16', { description: 'Binary frames are 16-bit little-endian mono PCM.' }),
  sample_rate: Type.Literal(16_000),
  session_id: Type.Optional(ConversationId),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Longest reply per turn, in tokens: spoken answers are best short.' })),
  voice: Type.Optional(VoiceName),
  speed: Type.Optional(Speed),
  audio_format: Type.Optional(Type.Union([Type.Literal('wav'), Type.Literal('mp3'), Type.Literal('ogg'), Type.Literal('opus')], { description: 'Format of the reply audio; wav by default.' })),
  mode: Type.Optional(Type.Union([Type.Literal('conversation'), Type.Literal('commands')], { description: '`conversation` (default): every utterance is a turn. `commands`: only utterances starting with "Jarvis"; "Jarvis stop" stops the reply.' })),
  language: Type.Optional(Type.String({ minLength: 2, maxLength: 16 })),
  silence_ms: Type.Optional(Type.Integer({ minimum: 200, maximum: 5000, description: 'Silence that ends an utterance.' })),
  barge_in: Type.Optional(Type.Boolean({ description: 'Speech while the assistant talks interrupts it (default true). Needs echo cancellation on the client.' })),
}, { additionalProperties: false });
export type VoiceSocketStartFrame = Static<typeof VoiceSocketStartFrame>;

export const VoiceSocketClientFrame = Type.Union([
  VoiceSocketStartFrame,
  /** Push-to-talk release: the audio so far is the utterance. */
  Type.Object({ type: Type.Literal('end-utterance') }, { additionalProperties: false }),
  /** Stop the reply being generated and spoken. */
  Type.Object({ type: Type.Literal('stop') }, { additionalProperties: false }),
  /** The client finished playing the audio it received (ends the barge-in window early). */
  Type.Object({ type: Type.Literal('playback-end') }, { additionalProperties: false }),
]);
export type VoiceSocketClientFrame = Static<typeof VoiceSocketClientFrame>;

export type VoiceState = 'listening' | 'hearing' | 'thinking' | 'speaking';

/** Server → client frames besides the chat stream events. */
export type VoiceSocketServerFrame =
  | { type: 'ready'; session_id: string | null; sample_rate: 16000; mode: 'conversation' | 'commands'; stt: string; tts: string; voice: string; audio_format: string }
  | { type: 'state'; state: VoiceState }
  | { type: 'speech-start'; at_s: number }
  | { type: 'speech-end'; at_s: number; duration_s: number }
  | {
    type: 'transcript'; text: string; language: string; duration_s: number; engine: string;
    /** What happens next: a chat turn, nothing (empty, or no wake word in commands mode), or a stop command. */
    action: 'turn' | 'ignored' | 'stop';
    /**
     * `vad_ms`: last speech received → end decided. `transcription_ms`: the recogniser's run, which
     * may begin at a pause before the end is decided; `transcription_wait_ms`: what was left of it after.
     */
    timings: { vad_ms: number; transcription_ms: number; transcription_wait_ms: number };
  }
  | {
    type: 'audio'; message_id: string; index: number; text: string; format: string; content_type: string; bytes: number; duration_s: number;
    /** On the first audio of a reply: where the time went since the end of the user's speech was detected. */
    timings?: { first_sentence_ms: number; synthesis_ms: number; since_speech_end_ms: number };
  }
  | { type: 'audio-end'; message_id: string; count: number }
  | { type: 'playback-stop'; message_id: string | null; reason: 'barge-in' | 'stop' | 'command' }
  | { type: 'error'; code: string; message: string; hint?: string; request_id?: string };
