/**
 * End-pointing with the real Silero model on espeak-ng speech: one utterance per stretch
 * of speech, bounded where the speech is, nothing from silence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { concatSamples, silence, spokenSamples } from '../test-support/speech-fixtures.js';
import { createSileroVad } from './silero-vad.js';
import { createUtteranceDetector, DEFAULT_ENDPOINT, type UtteranceEvent } from './utterance-detector.js';

const vad = createSileroVad();
afterAll(() => vad.close());

async function detect(samples: Int16Array, chunk = 320, settings = DEFAULT_ENDPOINT): Promise<UtteranceEvent[]> {
  const detector = createUtteranceDetector(await vad.open(), settings);
  const events: UtteranceEvent[] = [];
  for (let i = 0; i < samples.length; i += chunk) events.push(...await detector.push(samples.subarray(i, i + chunk)));
  return events;
}

describe('utterance detector (Silero VAD)', () => {
  it('finds one utterance in speech between silences, where the speech is', async () => {
    const speech = await spokenSamples('Jarvis, what time is it?');
    const events = (await detect(concatSamples(silence(1), speech, silence(1.5)))).filter((e) => e.type === 'speech-start' || e.type === 'speech-end');
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
    const end = events[1] as Extract<UtteranceEvent, { type: 'speech-end' }>;
    expect(end.startS).toBeGreaterThan(0.8);
    expect(end.startS).toBeLessThan(1.4);
    expect(end.endS).toBeGreaterThan(1 + speech.length / 16_000 - 0.5);
    expect(end.endS).toBeLessThan(1 + speech.length / 16_000 + 0.3);
    // Decided after the configured silence, and the audio holds the speech plus a little around it.
    expect(end.decidedAtS - end.endS).toBeGreaterThanOrEqual(0.7 - 0.04);
    expect(end.audio.length / 16_000).toBeGreaterThan(speech.length / 16_000 - 0.5);
    expect(end.cut).toBe(false);
  });

  it('finds two utterances separated by a long pause, and none in silence', async () => {
    const [first, second] = await Promise.all([spokenSamples('Hello there.'), spokenSamples('Tell me a story.')]);
    const events = (await detect(concatSamples(first, silence(1.2), second, silence(1)))).filter((e) => e.type === 'speech-start' || e.type === 'speech-end');
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end', 'speech-start', 'speech-end']);
    expect(await detect(silence(3))).toEqual([]);
  });

  it('offers the utterance at a pause, exactly as it ends there, and says when speech resumes', async () => {
    const [first, second] = await Promise.all([spokenSamples('Hello there.'), spokenSamples('Tell me a story.')]);
    // A 0.4 s pause is shorter than the 0.7 s that ends an utterance: pause, resume, pause, end.
    const events = await detect(concatSamples(silence(0.5), first, silence(0.4), second, silence(1)));
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-pause', 'speech-resume', 'speech-pause', 'speech-end']);
    const pause = events[3] as Extract<UtteranceEvent, { type: 'speech-pause' }>;
    const end = events[4] as Extract<UtteranceEvent, { type: 'speech-end' }>;
    expect(pause.endS).toBe(end.endS);
    expect(pause.audio).toEqual(end.audio);
  });

  it('cuts an utterance at the longest length', async () => {
    const speech = await spokenSamples('One two three four five six seven eight nine ten eleven twelve.');
    const events = await detect(concatSamples(speech, speech), 512, { ...DEFAULT_ENDPOINT, maxUtteranceS: 2 });
    const end = events.find((e) => e.type === 'speech-end');
    expect(end).toMatchObject({ cut: true });
  });

  it('answers its probe by running the model', async () => {
    expect(await vad.probe()).toMatchObject({ status: 'healthy' });
  });
});
