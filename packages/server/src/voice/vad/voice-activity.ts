/**
 * The voice-activity capability: a speech probability for each short frame of 16 kHz
 * audio, with state carried from frame to frame (one stream per conversation).
 */
import type { ProbeResult } from '../../llm/provider.js';

export interface SpeechProbabilityStream {
  /** `frame`: `frameSamples` samples in -1..1. Answers 0..1. */
  next(frame: Float32Array): Promise<number>;
}

export interface VoiceActivityDetector {
  readonly kind: 'silero-vad';
  readonly sampleRate: 16_000;
  readonly frameSamples: number;
  /** A fresh stream; loads the model on first use. */
  open(): Promise<SpeechProbabilityStream>;
  /** Loads the model and runs it on a frame. */
  probe(): Promise<ProbeResult>;
  close(): Promise<void>;
}
