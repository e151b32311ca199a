/**
 * Speech to text through any OpenAI-compatible `/v1/audio/transcriptions` server
 * (faster-whisper-server / speaches, whisper.cpp server, OpenAI). Multipart upload of the
 * decoded WAV, `verbose_json` answers for the language, duration and word times when the
 * server gives them.
 */
import { AppError } from '../../../errors/catalogue.js';
import type { ProbeResult } from '../../../llm/provider.js';
import { pcm16ToWav, parseWav } from '../../audio/wav.js';
import { audioServerRequest, type AudioServer } from '../../openai-compatible-request.js';
import type { SpeechToText, TranscribeOptions, Transcript, TranscriptWord } from '../../speech-to-text.js';

export interface OpenAICompatibleSpeechToTextOptions extends AudioServer {
  model: string;
}

/** verbose_json names the language in English words; the interface speaks ISO 639-1. */
const LANGUAGE_CODES: Record<string, string> = {
  english: 'en', german: 'de', french: 'fr', spanish: 'es', italian: 'it', portuguese: 'pt', dutch: 'nl', russian: 'ru', chinese: 'zh',
  japanese: 'ja', korean: 'ko', arabic: 'ar', hindi: 'hi', turkish: 'tr', polish: 'pl', swedish: 'sv', ukrainian: 'uk', czech: 'cs',
};

export function createOpenAICompatibleSpeechToText(options: OpenAICompatibleSpeechToTextOptions): SpeechToText {
  async function transcribe(wav: Buffer, call: TranscribeOptions = {}, timeoutMs?: number): Promise<Transcript> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'audio.wav');
    form.append('model', options.model);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'word');
    if (call.language) form.append('language', call.language);
    // Without a grammar mode, the phrases are a hint; the caller matches the text against them.
    const prompt = call.prompt ?? (call.grammar ? call.grammar.phrases.slice(0, 40).join(', ') : undefined);
    if (prompt) form.append('prompt', prompt);
    const response = await audioServerRequest(options, '/audio/transcriptions', { body: form, signal: call.signal, timeoutMs });
    const raw = await response.text();
    let body: { text?: unknown; language?: unknown; duration?: unknown; words?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      // Some servers answer plain text whatever the format asked for.
      body = { text: raw };
    }
    if (typeof body.text !== 'string') throw new AppError('VOICE_ENGINE_FAILED', `${options.baseURL}/audio/transcriptions answered without a text.`);
    const language = typeof body.language === 'string' ? LANGUAGE_CODES[body.language.toLowerCase()] ?? body.language : call.language ?? 'und';
    const words = Array.isArray(body.words) ? body.words.flatMap(toWord) : undefined;
    return {
      text: body.text.trim(), language,
      durationS: typeof body.duration === 'number' ? body.duration : parseWav(wav)?.durationS ?? 0,
      ...(words && words.length > 0 ? { words } : {}),
    };
  }

  async function probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      await transcribe(pcm16ToWav(new Uint8Array(16_000), 16_000), {}, 2500);
      return { status: 'healthy', latencyMs: performance.now() - started, detail: `${options.baseURL}/audio/transcriptions transcribed a 0.5 s test clip with ${options.model}` };
    } catch (error) {
      return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: 'Check STT_BASE_URL (with /v1), STT_MODEL and STT_API_KEY, and that the transcription server runs.' };
    }
  }

  return {
    id: 'openai-compatible-stt', kind: 'openai-compatible',
    capabilities: { grammar: false, wordTimings: true, languages: 'any' },
    transcribe: (wav, call) => transcribe(wav, call),
    probe,
  };
}

function toWord(value: unknown): TranscriptWord[] {
  if (typeof value !== 'object' || value === null) return [];
  const { word, start, end } = value as { word?: unknown; start?: unknown; end?: unknown };
  return typeof word === 'string' && typeof start === 'number' && typeof end === 'number' ? [{ word: word.trim(), startS: start, endS: end }] : [];
}
