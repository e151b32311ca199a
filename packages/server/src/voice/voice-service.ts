/**
 * The voice capability as the routes and the conversation loop use it: uploads decoded and
 * transcribed, text spoken in the format asked for, the engines' health, and the
 * hands-free conversation. It imports the capability interfaces only; the platform chooses
 * the adapters.
 */
import type { VoiceAudioFormat, VoiceDemoHealthResponse, VoiceListResponse } from '@sutazai/contracts';
import { AppError } from '../errors/catalogue.js';
import type { HealthProbe } from '../health/health-checks.js';
import type { ProbeResult } from '../llm/provider.js';
import type { Logger } from '../logger.js';
import type { AudioConverter } from './audio/audio-converter.js';
import { commandGrammar, matchCommand, WAKE_WORD } from './commands.js';
import { createVoiceConversation, type ConversationChat, type VoiceConversation, type VoiceConversationSink } from './conversation/voice-conversation.js';
import type { SpeechToText, Transcript } from './speech-to-text.js';
import type { TextToSpeech } from './text-to-speech.js';
import type { VoiceActivityDetector } from './vad/voice-activity.js';

export interface VoiceEngines {
  stt: SpeechToText;
  tts: TextToSpeech;
  converter: AudioConverter;
  vad: VoiceActivityDetector;
}

export interface VoiceServiceOptions extends VoiceEngines {
  chat: ConversationChat;
  /** The model a turn would use, or null when none is available (for the `jarvis` component). */
  defaultModel(): Promise<string | null>;
  logger: Logger;
  /** Silence that ends an utterance in hands-free mode, unless the client asks otherwise. */
  silenceMs: number;
  maxUtteranceS: number;
}

export interface TranscribeUploadOptions {
  language?: string | undefined;
  mode?: 'dictation' | 'commands' | undefined;
  prompt?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface SynthesisResult {
  audio: Buffer;
  contentType: string;
  format: VoiceAudioFormat;
  voice: string;
  durationS: number;
}

export interface VoiceService extends VoiceEngines {
  /** Decodes an upload (any accepted format) and transcribes it. */
  transcribe(bytes: Uint8Array, options?: TranscribeUploadOptions): Promise<Transcript & { engine: string }>;
  /** Transcribes audio already decoded to 16 kHz mono WAV. */
  transcribeWav(wav: Buffer, options?: TranscribeUploadOptions): Promise<Transcript & { engine: string }>;
  synthesize(text: string, options: { voice?: string | undefined; speed?: number | undefined; format: VoiceAudioFormat; signal?: AbortSignal | undefined }): Promise<SynthesisResult>;
  voices(): Promise<VoiceListResponse>;
  /** The original system's component view, each from a real probe. */
  demoHealth(): Promise<VoiceDemoHealthResponse>;
  /** One probe per engine for /health/detailed. */
  probes(): HealthProbe[];
  conversation(ownerId: string, sink: VoiceConversationSink): VoiceConversation;
  close(): Promise<void>;
}

/** OpenAI's voice names, which clients send by habit; engines without them use their default. */
const OPENAI_VOICE_NAMES = new Set(['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse']);

export function createVoiceService(options: VoiceServiceOptions): VoiceService {
  const { stt, tts, converter, vad } = options;
  let wakeClip: Promise<Buffer> | undefined;

  const resolveVoice = (voice: string | undefined): string | undefined =>
    voice !== undefined && tts.kind !== 'openai-compatible' && OPENAI_VOICE_NAMES.has(voice.toLowerCase()) ? undefined : voice;

  async function transcribeWav(wav: Buffer, call: TranscribeUploadOptions = {}): Promise<Transcript & { engine: string }> {
    const commands = call.mode === 'commands';
    const transcript = await stt.transcribe(wav, {
      language: call.language, prompt: call.prompt, signal: call.signal,
      ...(commands ? { grammar: commandGrammar } : {}),
    });
    // Engines without a grammar transcribe freely: outside the commands, the answer is nothing, as with one.
    const text = commands && !stt.capabilities.grammar && !matchCommand(transcript.text).wake ? '' : transcript.text;
    return { ...transcript, text, engine: stt.id };
  }

  async function synthesize(text: string, call: { voice?: string | undefined; speed?: number | undefined; format: VoiceAudioFormat; signal?: AbortSignal | undefined }): Promise<SynthesisResult> {
    if (text.trim().length === 0) throw new AppError('VALIDATION_FAILED', 'There is no text to speak.');
    const speech = await tts.synthesize(text, { voice: resolveVoice(call.voice), speed: call.speed, signal: call.signal });
    const encoded = await converter.encode(speech.wav, call.format, { signal: call.signal });
    return { audio: encoded.audio, contentType: encoded.contentType, format: call.format, voice: speech.voice, durationS: speech.durationS };
  }

  /** "Jarvis" spoken by the TTS engine once, then found by the recogniser in command mode. */
  async function probeWakeWord(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      wakeClip ??= tts.synthesize(WAKE_WORD).then((speech) => converter.toSpeechWav(speech.wav)).then((audio) => audio.wav);
      const clip = await wakeClip.catch((error: unknown) => {
        wakeClip = undefined;
        throw error;
      });
      const transcript = await transcribeWav(clip, { mode: 'commands' });
      const heard = matchCommand(transcript.text).wake;
      return heard
        ? { status: 'healthy', latencyMs: performance.now() - started, detail: `"${WAKE_WORD}" spoken by ${tts.id} was recognised by ${stt.id} in command mode` }
        : { status: 'down', latencyMs: performance.now() - started, detail: `"${WAKE_WORD}" spoken by ${tts.id} was heard as "${transcript.text}"`, hint: 'The recogniser does not find the wake word; check the speech-to-text engine.' };
    } catch (error) {
      return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: 'The wake-word check needs both speech engines; see speech-to-text and text-to-speech in /health/detailed.' };
    }
  }

  async function probeModel(): Promise<ProbeResult> {
    const started = performance.now();
    const model = await options.defaultModel().catch(() => null);
    return model
      ? { status: 'healthy', latencyMs: performance.now() - started, detail: `replies come from ${model}` }
      : { status: 'down', latencyMs: performance.now() - started, detail: 'no chat model is available', hint: 'See NO_MODEL_AVAILABLE: start Ollama, set OPENAI_BASE_URL, or put a .gguf file in MODELS_DIR.' };
  }

  const state = (result: ProbeResult): string => (result.status === 'healthy' ? 'healthy' : `${result.status}: ${result.detail}`);

  return {
    stt, tts, converter, vad,
    transcribeWav,
    async transcribe(bytes, call = {}) {
      const audio = await converter.toSpeechWav(bytes, { signal: call.signal });
      return transcribeWav(audio.wav, call);
    },
    synthesize,

    async voices() {
      return {
        engine: tts.id, default_voice: tts.defaultVoice, speed: tts.capabilities.speed, voices: await tts.voices(),
        transcription: { engine: stt.id, languages: stt.capabilities.languages === 'any' ? 'any' : [...stt.capabilities.languages], grammar: stt.capabilities.grammar },
      };
    },

    async demoHealth() {
      const [conversion, sttResult, ttsResult, vadResult, wake, model] = await Promise.all([converter.probe(), stt.probe(), tts.probe(), vad.probe(), probeWakeWord(), probeModel()]);
      const loopParts: [string, ProbeResult][] = [['voice activity', vadResult], ['speech to text', sttResult], ['text to speech', ttsResult], ['audio conversion', conversion], ['chat model', model]];
      const broken = loopParts.filter(([, result]) => result.status !== 'healthy');
      const components = {
        voice_service: state(conversion),
        wake_word: state(wake),
        tts: state(ttsResult),
        asr: state(sttResult),
        jarvis: broken.length === 0 ? 'healthy' : `down: ${broken.map(([name, result]) => `${name} (${result.detail})`).join('; ')}`,
      };
      return { status: Object.values(components).every((value) => value === 'healthy') ? 'healthy' : 'degraded', components };
    },

    probes() {
      const probe = (name: string, kind: string, run: () => Promise<ProbeResult>): HealthProbe => ({ name, kind, required: false, modelProvider: false, run });
      return [
        probe('speech-to-text', stt.kind, () => stt.probe()),
        probe('text-to-speech', tts.kind, () => tts.probe()),
        probe('voice-activity', vad.kind, () => vad.probe()),
        probe('audio-conversion', converter.kind, () => converter.probe()),
      ];
    },

    conversation(ownerId, sink) {
      return createVoiceConversation({
        ownerId, chat: options.chat, sink, logger: options.logger,
        engines: { stt, tts, vad },
        transcribe: transcribeWav,
        synthesize: (text, call) => synthesize(text, call),
        defaults: { silenceMs: options.silenceMs, maxUtteranceS: options.maxUtteranceS },
      });
    },

    async close() {
      await vad.close();
    },
  };
}
