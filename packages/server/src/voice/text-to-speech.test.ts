/**
 * One conformance suite for every text-to-speech adapter: espeak-ng on this machine, and the
 * OpenAI-compatible adapter against a server speaking the real protocol (espeak-ng behind
 * it). What comes out must be a valid WAV of a plausible length for the words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from './audio/wav.js';
import { createPocketsphinxSpeechToText } from './stt/pocketsphinx/pocketsphinx-stt.js';
import { startOpenAIAudioServer, type OpenAIAudioServer } from './test-support/openai-audio-server.js';
import type { TextToSpeech } from './text-to-speech.js';
import { createEspeakNgTextToSpeech } from './tts/espeak-ng/espeak-ng-tts.js';
import { createOpenAICompatibleTextToSpeech } from './tts/openai-compatible/openai-compatible-tts.js';

const espeak = createEspeakNgTextToSpeech({ timeoutMs: 30_000, maxChars: 4096 });
const SENTENCE = 'The quick brown fox jumps over the lazy dog.';

let server: OpenAIAudioServer;
beforeAll(async () => {
  server = await startOpenAIAudioServer({ stt: createPocketsphinxSpeechToText({ modelDir: '/usr/share/pocketsphinx/model/en-us', timeoutMs: 30_000 }), tts: espeak });
});
afterAll(async () => server.close());

const adapters: { name: string; make(): TextToSpeech }[] = [
  { name: 'espeak-ng', make: () => espeak },
  { name: 'openai-compatible', make: () => createOpenAICompatibleTextToSpeech({ baseURL: server.baseURL, apiKey: 'test-key', model: 'tts-test', fetch, timeoutMs: 30_000, maxChars: 4096 }) },
];

describe.each(adapters)('text to speech: $name', ({ make }) => {
  it('answers its probe with a real synthesis', async () => {
    const result = await make().probe();
    expect(result, result.detail).toMatchObject({ status: 'healthy' });
  });

  it('speaks a sentence as a valid 16-bit WAV of plausible duration', async () => {
    const speech = await make().synthesize(SENTENCE);
    const info = parseWav(speech.wav);
    expect(info).toMatchObject({ formatTag: 1, bitsPerSample: 16, channels: 1 });
    expect(info!.sampleRate).toBeGreaterThanOrEqual(16_000);
    // Nine words at a talking pace: 1.5 to 6 words a second.
    expect(speech.durationS).toBeGreaterThan(9 / 6);
    expect(speech.durationS).toBeLessThan(9 / 1.5);
    expect(speech.durationS).toBeCloseTo(info!.durationS, 5);
    // Not silence: some samples are loud.
    const samples = new Int16Array(speech.wav.buffer.slice(speech.wav.byteOffset + info!.dataOffset, speech.wav.byteOffset + info!.dataOffset + info!.dataLength - (info!.dataLength % 2)));
    expect(samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0)).toBeGreaterThan(3000);
  });

  it('speaks faster at a higher speed', async () => {
    const tts = make();
    const [normal, fast] = await Promise.all([tts.synthesize(SENTENCE), tts.synthesize(SENTENCE, { speed: 2 })]);
    expect(fast.durationS).toBeLessThan(normal.durationS * 0.75);
  });

  it('lists voices including its default', async () => {
    const tts = make();
    const voices = await tts.voices();
    expect(voices.length).toBeGreaterThan(0);
    expect(voices.map((v) => v.id)).toContain(tts.defaultVoice);
  });

  it('refuses text beyond its limit', async () => {
    const tts = make();
    await expect(tts.synthesize('a'.repeat(tts.capabilities.maxChars + 1))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('espeak-ng voices', () => {
  it('speaks with another voice and a variant', async () => {
    const [gb, female] = await Promise.all([espeak.synthesize('Hello there.', { voice: 'en-gb' }), espeak.synthesize('Hello there.', { voice: 'en-us+f3' })]);
    expect(gb.voice).toBe('en-gb');
    expect(female.voice).toBe('en-us+f3');
    expect(parseWav(female.wav)).toBeDefined();
  });

  it('refuses voices and variants it does not have, and names that are not names', async () => {
    await expect(espeak.synthesize('Hello.', { voice: 'xx-nope' })).rejects.toMatchObject({ code: 'VOICE_NOT_FOUND' });
    await expect(espeak.synthesize('Hello.', { voice: 'en-us+nobody' })).rejects.toMatchObject({ code: 'VOICE_NOT_FOUND' });
    await expect(espeak.synthesize('Hello.', { voice: '--stdout; rm -rf /' })).rejects.toMatchObject({ code: 'VOICE_NOT_FOUND' });
  });

  it('reads text starting with a dash as text, not as an option', async () => {
    const speech = await espeak.synthesize('-v xx --help');
    expect(speech.durationS).toBeGreaterThan(0.3);
  });

  it('offers no MBROLA voices (they need a program that is not installed)', async () => {
    const voices = await espeak.voices();
    expect(voices.some((v) => v.name.startsWith('us-mbrola'))).toBe(false);
  });

  it('is unavailable with a fix when espeak-ng is not installed', async () => {
    const missing = createEspeakNgTextToSpeech({ command: 'espeak-ng-not-installed', timeoutMs: 5000, maxChars: 100 });
    await expect(missing.synthesize('hello')).rejects.toMatchObject({ code: 'VOICE_ENGINE_UNAVAILABLE' });
    expect(await missing.probe()).toMatchObject({ status: 'down', hint: expect.stringContaining('apt-get install espeak-ng') });
  });
});

describe('text to speech through an OpenAI-compatible server', () => {
  it('asks for WAV with the model, the voice and the key', async () => {
    const tts = createOpenAICompatibleTextToSpeech({ baseURL: server.baseURL, apiKey: 'test-key', model: 'tts-test', defaultVoice: 'nova', fetch, timeoutMs: 30_000, maxChars: 4096 });
    server.requests.length = 0;
    await tts.synthesize('Hello.', { speed: 1.5 });
    expect(server.requests[0]).toMatchObject({ path: '/v1/audio/speech', authorization: 'Bearer test-key', json: { model: 'tts-test', input: 'Hello.', voice: 'nova', response_format: 'wav', speed: 1.5 } });
  });

  it('passes the server\'s refusal on with its message', async () => {
    const tts = createOpenAICompatibleTextToSpeech({ baseURL: server.baseURL, model: 'tts-test', fetch, timeoutMs: 30_000, maxChars: 4096 });
    await expect(tts.synthesize('Hello.', { voice: 'no-such-voice' })).rejects.toMatchObject({ code: 'VOICE_ENGINE_FAILED', message: expect.stringContaining('Voice no-such-voice not found') });
  });
});
