/**
 * End-pointing: turns a stream of 16 kHz PCM into utterances with the speech probability of
 * each frame. Speech starts once enough of it is heard (so a click does not interrupt the
 * assistant); it ends after a run of silence, and the utterance keeps a little audio from
 * before its start and after its end, as recognisers expect.
 */
import type { SpeechProbabilityStream } from './voice-activity.js';

export interface EndpointSettings {
  /** Probability from which a frame is speech. */
  threshold: number;
  /** Probability under which a frame is silence (between the two, the state holds). */
  negativeThreshold: number;
  /** Speech needed before an utterance counts as started. */
  minSpeechMs: number;
  /** Silence that ends an utterance. */
  silenceMs: number;
  /** Audio kept from before the detected start. */
  prerollMs: number;
  /** Audio kept after the last speech frame. */
  padMs: number;
  /** An utterance is cut here even without a pause. */
  maxUtteranceS: number;
  /**
   * Silence after which the utterance so far is offered (`speech-pause`) so a recogniser can
   * start while the end is not yet decided; at least `padMs`.
   */
  pauseMs: number;
}

export const DEFAULT_ENDPOINT: EndpointSettings = {
  threshold: 0.5, negativeThreshold: 0.35, minSpeechMs: 160, silenceMs: 700, prerollMs: 300, padMs: 200, maxUtteranceS: 30, pauseMs: 250,
};

export type UtteranceEvent =
  | { type: 'speech-start'; /** Stream time of the first speech frame. */ atS: number }
  /**
   * A pause of `pauseMs`: if the utterance ends here, `audio` is exactly what `speech-end`
   * will carry (same `endS`), so work on it may begin.
   */
  | { type: 'speech-pause'; audio: Int16Array; endS: number }
  /** Speech again after a `speech-pause`: what was begun on it is stale. */
  | { type: 'speech-resume' }
  | {
    type: 'speech-end';
    /** The utterance's samples, pre-roll and padding included. */
    audio: Int16Array;
    /** Stream time of the first and last speech frames. */
    startS: number;
    endS: number;
    /** Stream time at which the end was decided (endS + the silence). */
    decidedAtS: number;
    /** Cut at maxUtteranceS rather than ended by silence. */
    cut: boolean;
  };

export interface UtteranceDetector {
  /** Feeds samples; answers what they completed. Calls must not overlap. */
  push(samples: Int16Array): Promise<UtteranceEvent[]>;
  /** Ends the utterance in progress now (push-to-talk release); undefined when there is none. */
  flush(): UtteranceEvent | undefined;
  /** Samples consumed so far. */
  readonly position: number;
}

export function createUtteranceDetector(stream: SpeechProbabilityStream, settings: EndpointSettings = DEFAULT_ENDPOINT, frameSamples = 512, sampleRate = 16_000): UtteranceDetector {
  const msToFrames = (ms: number) => Math.max(1, Math.round((ms * sampleRate) / 1000 / frameSamples));
  const minSpeechFrames = msToFrames(settings.minSpeechMs);
  const silenceFrames = msToFrames(settings.silenceMs);
  const prerollFrames = msToFrames(settings.prerollMs);
  const padFrames = Math.round((settings.padMs * sampleRate) / 1000 / frameSamples);
  const pauseFrames = Math.max(padFrames, msToFrames(settings.pauseMs));
  const maxFrames = Math.round((settings.maxUtteranceS * sampleRate) / frameSamples);
  const scratch = new Float32Array(frameSamples);

  let pending = new Int16Array(0);
  /** Frames consumed. */
  let frameIndex = 0;
  /** Recent frames before any speech. */
  let preroll: Int16Array[] = [];
  /** Frames of the utterance in progress (pre-roll included). */
  let collected: Int16Array[] = [];
  let state: 'idle' | 'candidate' | 'speech' = 'idle';
  let firstSpeechFrame = 0;
  let lastSpeechFrame = 0;
  let speechFrames = 0;
  let silentRun = 0;
  let paused = false;

  const seconds = (frame: number) => (frame * frameSamples) / sampleRate;

  /** The utterance so far: up to the last speech frame plus the padding, without the rest of the silence. */
  const utteranceAudio = (): Int16Array => {
    const keepUntil = Math.min(frameIndex, lastSpeechFrame + 1 + padFrames);
    const dropped = frameIndex - keepUntil;
    const frames = collected.slice(0, Math.max(0, collected.length - dropped));
    const audio = new Int16Array(frames.reduce((sum, f) => sum + f.length, 0));
    let offset = 0;
    for (const frame of frames) {
      audio.set(frame, offset);
      offset += frame.length;
    }
    return audio;
  };

  const endUtterance = (cut: boolean): UtteranceEvent => {
    const event: UtteranceEvent = { type: 'speech-end', audio: utteranceAudio(), startS: seconds(firstSpeechFrame), endS: seconds(lastSpeechFrame + 1), decidedAtS: seconds(frameIndex), cut };
    paused = false;
    state = 'idle';
    collected = [];
    preroll = [];
    speechFrames = 0;
    silentRun = 0;
    return event;
  };

  async function step(frame: Int16Array): Promise<UtteranceEvent | undefined> {
    for (let i = 0; i < frameSamples; i++) scratch[i] = frame[i]! / 32768;
    const probability = await stream.next(scratch);
    const index = frameIndex++;
    const speech = probability >= settings.threshold;
    const silence = probability < settings.negativeThreshold;

    if (state === 'idle') {
      if (!speech) {
        preroll.push(frame);
        if (preroll.length > prerollFrames) preroll.shift();
        return undefined;
      }
      state = 'candidate';
      collected = [...preroll, frame];
      preroll = [];
      firstSpeechFrame = index;
      lastSpeechFrame = index;
      speechFrames = 1;
      silentRun = 0;
    } else {
      collected.push(frame);
      if (speech) {
        speechFrames++;
        lastSpeechFrame = index;
        silentRun = 0;
        if (paused && state === 'speech') {
          paused = false;
          return { type: 'speech-resume' };
        }
      } else if (silence) {
        silentRun++;
      }
    }

    if (state === 'candidate') {
      if (speechFrames >= minSpeechFrames) {
        state = 'speech';
        return { type: 'speech-start', atS: seconds(firstSpeechFrame) };
      }
      if (silentRun >= silenceFrames) {
        // Too short to be speech: back to listening, keeping the tail as pre-roll.
        state = 'idle';
        preroll = collected.slice(-prerollFrames);
        collected = [];
      }
      return undefined;
    }
    if (state === 'speech' && (silentRun >= silenceFrames || collected.length >= maxFrames)) return endUtterance(silentRun < silenceFrames);
    if (state === 'speech' && !paused && silentRun === pauseFrames && pauseFrames < silenceFrames) {
      paused = true;
      return { type: 'speech-pause', audio: utteranceAudio(), endS: seconds(lastSpeechFrame + 1) };
    }
    return undefined;
  }

  return {
    get position() {
      return frameIndex * frameSamples;
    },
    async push(samples) {
      const joined = new Int16Array(pending.length + samples.length);
      joined.set(pending);
      joined.set(samples, pending.length);
      const events: UtteranceEvent[] = [];
      let offset = 0;
      while (offset + frameSamples <= joined.length) {
        const event = await step(joined.slice(offset, offset + frameSamples));
        if (event) events.push(event);
        offset += frameSamples;
      }
      pending = joined.slice(offset);
      return events;
    },
    flush() {
      if (state !== 'speech') {
        state = 'idle';
        collected = [];
        return undefined;
      }
      return endUtterance(false);
    },
  };
}
