/**
 * The voice part of the composition root (called by platform.ts only): the configuration
 * chooses each engine. An OpenAI-compatible server when its URL is set, the engines on this
 * machine otherwise.
 */
import type { ResolvedConfig } from '../config/load.js';
import type { ModelRegistry } from '../llm/registry.js';
import type { Logger } from '../logger.js';
import { MAX_SPEECH_CHARS } from '@sutazai/contracts';
import { createFfmpegAudioConverter } from './audio/audio-converter.js';
import type { ConversationChat } from './conversation/voice-conversation.js';
import type { SpeechToText } from './speech-to-text.js';
import { createOpenAICompatibleSpeechToText } from './stt/openai-compatible/openai-compatible-stt.js';
import { createPocketsphinxSpeechToText } from './stt/pocketsphinx/pocketsphinx-stt.js';
import type { TextToSpeech } from './text-to-speech.js';
import { createEspeakNgTextToSpeech } from './tts/espeak-ng/espeak-ng-tts.js';
import { createOpenAICompatibleTextToSpeech } from './tts/openai-compatible/openai-compatible-tts.js';
import { createSileroVad } from './vad/silero-vad.js';
import { createVoiceService, type VoiceService } from './voice-service.js';

/** Longest utterance in the hands-free conversation. */
const MAX_UTTERANCE_S = 30;

export function createVoice(config: ResolvedConfig, dependencies: { chat: ConversationChat; registry: ModelRegistry; fetch: typeof fetch; logger: Logger }): VoiceService {
  const timeoutMs = config.VOICE_TIMEOUT_MS;
  const stt: SpeechToText = config.STT_BASE_URL
    ? createOpenAICompatibleSpeechToText({ baseURL: config.STT_BASE_URL, apiKey: config.STT_API_KEY, model: config.STT_MODEL, fetch: dependencies.fetch, timeoutMs })
    : createPocketsphinxSpeechToText({ modelDir: config.POCKETSPHINX_MODEL_DIR, timeoutMs });
  const tts: TextToSpeech = config.TTS_BASE_URL
    ? createOpenAICompatibleTextToSpeech({ baseURL: config.TTS_BASE_URL, apiKey: config.TTS_API_KEY, model: config.TTS_MODEL, defaultVoice: config.TTS_VOICE, fetch: dependencies.fetch, timeoutMs, maxChars: MAX_SPEECH_CHARS })
    : createEspeakNgTextToSpeech({ defaultVoice: config.TTS_VOICE, timeoutMs, maxChars: MAX_SPEECH_CHARS });
  return createVoiceService({
    stt, tts,
    converter: createFfmpegAudioConverter({ maxInputBytes: config.VOICE_MAX_UPLOAD_BYTES, maxDurationS: config.VOICE_MAX_DURATION_S, timeoutMs }),
    vad: createSileroVad(),
    chat: dependencies.chat,
    defaultModel: () => dependencies.registry.defaultModel(),
    logger: dependencies.logger,
    silenceMs: config.VOICE_SILENCE_MS,
    maxUtteranceS: MAX_UTTERANCE_S,
  });
}
