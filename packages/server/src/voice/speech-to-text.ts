/**
 * The speech-to-text capability: what every engine (pocketsphinx on this machine, an
 * OpenAI-compatible transcription server) promises. Audio arrives already decoded to
 * 16 kHz mono 16-bit WAV by the audio converter.
 */
import type { ProbeResult } from '../llm/provider.js';

export interface TranscriptWord {
  word: string;
  startS: number;
  endS: number;
  /** 0..1 when the engine reports it. */
  confidence?: number;
}

export interface Transcript {
  text: string;
  /** ISO 639-1 code of the language heard (or assumed). */
  language: string;
  durationS: number;
  words?: TranscriptWord[];
}

/**
 * A closed set of phrases to listen for (commands, the wake word). An engine with
 * `capabilities.grammar` decodes against them only, answering one of them or nothing;
 * others transcribe freely and the caller matches the text.
 */
export interface PhraseGrammar {
  phrases: readonly string[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code; engines with a fixed language refuse others. */
  language?: string | undefined;
  grammar?: PhraseGrammar | undefined;
  /** Words to expect (names, jargon): a hint, not a constraint. */
  prompt?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface SpeechToTextCapabilities {
  /** Decodes against a phrase grammar (commands, the wake word) instead of free dictation. */
  grammar: boolean;
  /** Reports when each word was said. */
  wordTimings: boolean;
  /** Languages it transcribes; `any` when the server decides. */
  languages: readonly string[] | 'any';
}

export interface SpeechToText {
  /** Health name and the `engine` field of answers: "pocketsphinx", "openai-compatible". */
  readonly id: string;
  readonly kind: 'pocketsphinx' | 'openai-compatible';
  readonly capabilities: SpeechToTextCapabilities;
  /** `wav`: 16 kHz mono 16-bit. Throws AppError (VOICE_ENGINE_*, VALIDATION_FAILED). */
  transcribe(wav: Buffer, options?: TranscribeOptions): Promise<Transcript>;
  /** A real transcription of a short clip, with a short timeout. */
  probe(): Promise<ProbeResult>;
}
