/**
 * A transcript in the shapes OpenAI's `/v1/audio/transcriptions` answers: `json`, `text`,
 * `verbose_json`, `srt` and `vtt`. Segments are built from word times when the engine has
 * them (a pause or ten words end a segment), otherwise one segment spans the audio.
 */
import type { Transcript } from './speech-to-text.js';

export const TRANSCRIPT_FORMATS = ['json', 'text', 'verbose_json', 'srt', 'vtt'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

/** verbose_json names the language as Whisper does. */
const LANGUAGE_NAMES: Record<string, string> = {
  en: 'english', de: 'german', fr: 'french', es: 'spanish', it: 'italian', pt: 'portuguese', nl: 'dutch', ru: 'russian', zh: 'chinese', ja: 'japanese',
};

interface Segment {
  start: number;
  end: number;
  text: string;
}

export function segmentsOf(transcript: Transcript): Segment[] {
  const words = transcript.words ?? [];
  if (words.length === 0) return transcript.text ? [{ start: 0, end: transcript.durationS, text: transcript.text }] : [];
  const segments: Segment[] = [];
  let current: { start: number; end: number; words: string[] } | undefined;
  for (const word of words) {
    if (current && (word.startS - current.end > 0.8 || current.words.length >= 10)) {
      segments.push({ start: current.start, end: current.end, text: current.words.join(' ') });
      current = undefined;
    }
    current ??= { start: word.startS, end: word.endS, words: [] };
    current.words.push(word.word);
    current.end = word.endS;
  }
  if (current) segments.push({ start: current.start, end: current.end, text: current.words.join(' ') });
  return segments;
}

export function formatTranscript(transcript: Transcript, format: TranscriptFormat, options: { wordTimestamps: boolean }): { body: string | object; contentType: string } {
  const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
  switch (format) {
    case 'text':
      return { body: `${transcript.text}\n`, contentType: 'text/plain; charset=utf-8' };
    case 'srt':
      return { body: segmentsOf(transcript).map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(s.end, ',')}\n${s.text}\n`).join('\n'), contentType: 'text/plain; charset=utf-8' };
    case 'vtt':
      return { body: `WEBVTT\n\n${segmentsOf(transcript).map((s) => `${timestamp(s.start, '.')} --> ${timestamp(s.end, '.')}\n${s.text}\n`).join('\n')}`, contentType: 'text/vtt; charset=utf-8' };
    case 'verbose_json':
      return {
        body: {
          task: 'transcribe', language: LANGUAGE_NAMES[transcript.language] ?? transcript.language, duration: round(transcript.durationS), text: transcript.text,
          segments: segmentsOf(transcript).map((s, id) => ({
            id, seek: 0, start: round(s.start), end: round(s.end), text: s.text, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 0, no_speech_prob: 0,
          })),
          ...(options.wordTimestamps ? { words: (transcript.words ?? []).map((w) => ({ word: w.word, start: round(w.startS), end: round(w.endS) })) } : {}),
          usage: { type: 'duration', seconds: Math.ceil(transcript.durationS) },
        },
        contentType: 'application/json; charset=utf-8',
      };
    default:
      return { body: { text: transcript.text, usage: { type: 'duration', seconds: Math.ceil(transcript.durationS) } }, contentType: 'application/json; charset=utf-8' };
  }
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}
