/**
 * Speech made on the spot for tests: espeak-ng says a sentence, ffmpeg makes it 16 kHz mono,
 * the same way uploads are decoded. Clips are cached per process.
 */
import { createFfmpegAudioConverter } from '../audio/audio-converter.js';
import { wavSamples } from '../audio/wav.js';
import { createEspeakNgTextToSpeech } from '../tts/espeak-ng/espeak-ng-tts.js';

export const testConverter = createFfmpegAudioConverter({ maxInputBytes: 50 * 1024 * 1024, maxDurationS: 120, timeoutMs: 60_000 });
export const testSpeaker = createEspeakNgTextToSpeech({ timeoutMs: 30_000, maxChars: 4096 });

const cache = new Map<string, Promise<Buffer>>();

/** `text` spoken by espeak-ng (voice en-us unless given), as 16 kHz mono 16-bit WAV. */
export function spokenWav(text: string, voice = 'en-us'): Promise<Buffer> {
  const key = `${voice}\u0000${text}`;
  let clip = cache.get(key);
  if (!clip) {
    clip = testSpeaker.synthesize(text, { voice }).then((speech) => testConverter.toSpeechWav(speech.wav)).then((audio) => audio.wav);
    cache.set(key, clip);
  }
  return clip;
}

/** The same, as PCM samples. */
export async function spokenSamples(text: string, voice?: string): Promise<Int16Array> {
  return wavSamples(await spokenWav(text, voice));
}

/** Silence of this many seconds at 16 kHz. */
export function silence(seconds: number): Int16Array {
  return new Int16Array(Math.round(seconds * 16_000));
}

export function concatSamples(...parts: Int16Array[]): Int16Array {
  const joined = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
