/**
 * One conformance suite for every speech-to-text adapter: pocketsphinx on this machine, and
 * the OpenAI-compatible adapter against a server speaking the real protocol (pocketsphinx
 * behind it). The speech is espeak-ng's, from known sentences; the word error rate of free
 * dictation is printed, and the command grammar must get every command right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/catalogue.js';
import { pcm16ToWav } from './audio/wav.js';
import { commandGrammar } from './commands.js';
import type { SpeechToText } from './speech-to-text.js';
import { createOpenAICompatibleSpeechToText } from './stt/openai-compatible/openai-compatible-stt.js';
import { createPocketsphinxSpeechToText } from './stt/pocketsphinx/pocketsphinx-stt.js';
import { startOpenAIAudioServer, type OpenAIAudioServer } from './test-support/openai-audio-server.js';
import { concatSamples, silence, spokenSamples, spokenWav, testSpeaker } from './test-support/speech-fixtures.js';
import { samplesToWav } from './audio/wav.js';
import { wordErrorRate } from './word-error-rate.js';

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const pocketsphinx = createPocketsphinxSpeechToText({ modelDir: MODEL_DIR, timeoutMs: 60_000 });

/** Dictation sentences; their word error rate is reported, not asserted (pocketsphinx on synthetic speech is rough). */
const DICTATION = [
  'the quick brown fox jumps over the lazy dog',
  'please turn off the lights in the kitchen',
  'what is the weather like today',
  'i would like to hear a story about a dragon',
];
const COMMANDS = ['jarvis stop', 'jarvis what time is it', 'jarvis tell me a joke', 'jarvis turn off the lights', 'jarvis cancel', 'jarvis'];

let server: OpenAIAudioServer;
beforeAll(async () => {
  server = await startOpenAIAudioServer({ stt: pocketsphinx, tts: testSpeaker });
});
afterAll(async () => server.close());

const adapters: { name: string; make(): SpeechToText }[] = [
  { name: 'pocketsphinx', make: () => pocketsphinx },
  { name: 'openai-compatible', make: () => createOpenAICompatibleSpeechToText({ baseURL: server.baseURL, apiKey: 'test-key', model: 'whisper-test', fetch, timeoutMs: 60_000 }) },
];

describe.each(adapters)('speech to text: $name', ({ name, make }) => {
  it('answers its probe with a real transcription', async () => {
    const result = await make().probe();
    expect(result, result.detail).toMatchObject({ status: 'healthy' });
  });

  it('transcribes known sentences; the word error rate is reported', { timeout: 90_000 }, async () => {
    const stt = make();
    // One clip with a pause between sentences: the language model loads once.
    const clips = await Promise.all(DICTATION.map((sentence) => spokenSamples(sentence)));
    const audio = concatSamples(...clips.flatMap((clip) => [clip, silence(1)]));
    const transcript = await stt.transcribe(samplesToWav(audio, 16_000));
    expect(transcript.text.length).toBeGreaterThan(0);
    expect(transcript.language).toBe('en');
    expect(transcript.durationS).toBeCloseTo(audio.length / 16_000, 1);
    const overall = wordErrorRate(DICTATION.join(' '), transcript.text);
    console.info(`[${name}] dictation of ${overall.referenceWords} words: word error rate ${(overall.rate * 100).toFixed(0)}% (${overall.errors} errors)\n  said:  ${DICTATION.join(' | ')}\n  heard: ${transcript.text}`);
    expect(overall.rate).toBeLessThanOrEqual(1.5);
  });

  it('transcribes silence as no words', async () => {
    const transcript = await make().transcribe(pcm16ToWav(new Uint8Array(32_000), 16_000), { grammar: commandGrammar });
    expect(transcript.text).toBe('');
  });

  it('reports the duration of what it heard', async () => {
    const wav = await spokenWav('jarvis stop');
    const transcript = await make().transcribe(wav, { grammar: commandGrammar });
    expect(transcript.durationS).toBeGreaterThan(0.4);
    expect(transcript.durationS).toBeLessThan(3);
  });
});

describe('speech to text with a phrase grammar (pocketsphinx)', () => {
  it('gets every command sentence right', { timeout: 60_000 }, async () => {
    const heard = await Promise.all(COMMANDS.map(async (command) => (await pocketsphinx.transcribe(await spokenWav(command), { grammar: commandGrammar })).text));
    const errors = COMMANDS.reduce((sum, command, i) => sum + wordErrorRate(command, heard[i]!).errors, 0);
    console.info(`[pocketsphinx] command grammar: word error rate ${((errors / COMMANDS.join(' ').split(' ').length) * 100).toFixed(0)}% over ${COMMANDS.length} commands\n${COMMANDS.map((c, i) => `  said "${c}" → heard "${heard[i]}"`).join('\n')}`);
    expect(heard).toEqual(COMMANDS);
  });

  it('answers nothing for speech outside the grammar', async () => {
    const transcript = await pocketsphinx.transcribe(await spokenWav('the weather is nice today'), { grammar: commandGrammar });
    expect(transcript.text).toBe('');
  });

  it('gives word times in order', async () => {
    const transcript = await pocketsphinx.transcribe(await spokenWav('jarvis what time is it'), { grammar: commandGrammar });
    const words = transcript.words ?? [];
    expect(words.map((w) => w.word)).toEqual(['jarvis', 'what', 'time', 'is', 'it']);
    for (let i = 1; i < words.length; i++) expect(words[i]!.startS).toBeGreaterThanOrEqual(words[i - 1]!.endS);
  });

  it('refuses a phrase with a word outside its dictionary, naming it', async () => {
    const error = await pocketsphinx.transcribe(await spokenWav('jarvis stop'), { grammar: { phrases: ['jarvis blorfzzle'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('blorfzzle') });
  });

  it('refuses languages it does not have', async () => {
    await expect(pocketsphinx.transcribe(await spokenWav('jarvis stop'), { language: 'de' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is down with a fix when the model folder is missing', async () => {
    const broken = createPocketsphinxSpeechToText({ modelDir: '/nonexistent/pocketsphinx', timeoutMs: 5000 });
    const result = await broken.probe();
    expect(result.status).toBe('down');
    expect(result.hint).toContain('pocketsphinx-en-us');
  });
});

describe('speech to text through an OpenAI-compatible server', () => {
  it('sends the model, the key, verbose_json and the phrases as a prompt', async () => {
    const stt = createOpenAICompatibleSpeechToText({ baseURL: server.baseURL, apiKey: 'test-key', model: 'whisper-test', fetch, timeoutMs: 30_000 });
    server.requests.length = 0;
    await stt.transcribe(await spokenWav('jarvis stop'), { grammar: commandGrammar, language: 'en' });
    expect(server.requests[0]).toMatchObject({
      path: '/v1/audio/transcriptions', authorization: 'Bearer test-key',
      fields: { model: 'whisper-test', response_format: 'verbose_json', language: 'en', prompt: expect.stringContaining('jarvis stop') },
    });
    expect(server.requests[0]!.fileBytes).toBeGreaterThan(10_000);
  });

  it('is unavailable, with the address, when nothing answers', async () => {
    const stt = createOpenAICompatibleSpeechToText({ baseURL: 'http://127.0.0.1:9/v1', model: 'whisper-1', fetch, timeoutMs: 5000 });
    await expect(stt.transcribe(await spokenWav('jarvis stop'))).rejects.toMatchObject({ code: 'VOICE_ENGINE_UNAVAILABLE', message: expect.stringContaining('127.0.0.1:9') });
    expect((await stt.probe()).status).toBe('down');
  });
});
