/**
 * The text-to-speech capability: what every engine (espeak-ng on this machine, an
 * OpenAI-compatible speech server) promises. Engines answer WAV; encoding into what the
 * client asked for is the audio converter's job.
 */
import type { ProbeResult } from '../llm/provider.js';

export interface Voice {
  /** What `voice` takes. */
  id: string;
  name: string;
  /** BCP 47 tag, when known. */
  language: string | null;
  gender: 'male' | 'female' | null;
}

export interface SynthesizeOptions {
  voice?: string | undefined;
  /** 1 is the engine's normal pace; 0.25..4 as OpenAI takes it. */
  speed?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface Speech {
  /** A 16-bit PCM WAV file. */
  wav: Buffer;
  sampleRate: number;
  durationS: number;
  /** The voice that spoke. */
  voice: string;
}

export interface TextToSpeechCapabilities {
  /** `voices()` lists what this engine has; otherwise it lists names the server is known to take. */
  voiceList: 'engine' | 'documented';
  speed: { min: number; max: number };
  /** Longest text one call takes. */
  maxChars: number;
}

export interface TextToSpeech {
  readonly id: string;
  readonly kind: 'espeak-ng' | 'openai-compatible';
  readonly capabilities: TextToSpeechCapabilities;
  readonly defaultVoice: string;
  /** Throws AppError (VOICE_NOT_FOUND, VOICE_ENGINE_*). */
  synthesize(text: string, options?: SynthesizeOptions): Promise<Speech>;
  voices(): Promise<Voice[]>;
  /** A real synthesis of a word, with a short timeout. */
  probe(): Promise<ProbeResult>;
}
