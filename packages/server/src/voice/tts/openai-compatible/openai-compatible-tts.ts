/**
 * Text to speech through any OpenAI-compatible `/v1/audio/speech` server (Kokoro-FastAPI,
 * openedai-speech with Piper, OpenAI). WAV is asked for, so durations are exact and the
 * converter encodes whatever the client wants.
 */
import { AppError } from '../../../errors/catalogue.js';
import type { ProbeResult } from '../../../llm/provider.js';
import { parseWav } from '../../audio/wav.js';
import { audioServerRequest, readBody, type AudioServer } from '../../openai-compatible-request.js';
import type { Speech, SynthesizeOptions, TextToSpeech, Voice } from '../../text-to-speech.js';

export interface OpenAICompatibleTextToSpeechOptions extends AudioServer {
  model: string;
  defaultVoice?: string | undefined;
  maxChars: number;
}

/** The voices OpenAI documents; compatible servers map these names or have their own. */
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'] as const;
const VOICE_NAME = /^[A-Za-z0-9_.+-]{1,64}$/;

export function createOpenAICompatibleTextToSpeech(options: OpenAICompatibleTextToSpeechOptions): TextToSpeech {
  const defaultVoice = options.defaultVoice ?? 'alloy';

  async function synthesize(text: string, call: SynthesizeOptions = {}, timeoutMs?: number): Promise<Speech> {
    if (text.length > options.maxChars) throw new AppError('VALIDATION_FAILED', `The text is ${text.length} characters; at most ${options.maxChars} are spoken at once.`);
    const voice = call.voice ?? defaultVoice;
    if (!VOICE_NAME.test(voice)) throw new AppError('VOICE_NOT_FOUND', `"${voice.slice(0, 60)}" is not a voice name.`);
    const body = JSON.stringify({ model: options.model, input: text, voice, response_format: 'wav', ...(call.speed !== undefined ? { speed: Math.min(4, Math.max(0.25, call.speed)) } : {}) });
    const response = await audioServerRequest(options, '/audio/speech', { body, json: true, signal: call.signal, timeoutMs });
    const wav = await readBody(response, `${options.baseURL}/audio/speech`, timeoutMs ?? options.timeoutMs, call.signal);
    const info = parseWav(wav);
    if (!info || info.bitsPerSample !== 16) {
      throw new AppError('VOICE_ENGINE_FAILED', `${options.baseURL}/audio/speech did not answer a 16-bit WAV (content type ${response.headers.get('content-type') ?? 'none'}).`);
    }
    return { wav, sampleRate: info.sampleRate, durationS: info.durationS, voice };
  }

  async function probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const speech = await synthesize('ok', {}, 2500);
      return { status: 'healthy', latencyMs: performance.now() - started, detail: `${options.baseURL}/audio/speech spoke a test word (${speech.durationS.toFixed(2)} s, ${options.model}, voice ${speech.voice})` };
    } catch (error) {
      return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: 'Check TTS_BASE_URL (with /v1), TTS_MODEL, TTS_VOICE and TTS_API_KEY, and that the speech server runs.' };
    }
  }

  return {
    id: 'openai-compatible-tts', kind: 'openai-compatible', defaultVoice,
    capabilities: { voiceList: 'documented', speed: { min: 0.25, max: 4 }, maxChars: options.maxChars },
    synthesize: (text, call) => synthesize(text, call),
    async voices(): Promise<Voice[]> {
      const names = [...new Set([defaultVoice, ...OPENAI_VOICES])];
      return names.map((id) => ({ id, name: id, language: null, gender: null }));
    },
    probe,
  };
}
