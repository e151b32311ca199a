/**
 * The voice HTTP API with the real engines: the original demo endpoints (every audio field
 * name, bytes or JSON by Accept), OpenAI's audio endpoints through the official `openai`
 * client, health from real probes, and refusals of bad, truncated, huge and too long audio.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav, samplesToWav } from '../../voice/audio/wav.js';
import { concatSamples, silence, spokenSamples, spokenWav, testConverter } from '../../voice/test-support/speech-fixtures.js';
import { startTestApp, type TestApp } from '../test-support/test-app.js';

let test: TestApp;
let url: string;
beforeAll(async () => {
  test = await startTestApp({ realModel: true, env: { VOICE_MAX_UPLOAD_BYTES: String(1024 * 1024), VOICE_MAX_DURATION_S: '8' } });
  url = await test.listen();
});
afterAll(async () => test?.close());

function form(fields: Record<string, string | Blob>, fileName = 'speech.wav'): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') body.append(key, value);
    else body.append(key, value, fileName);
  }
  return body;
}
const wavBlob = (bytes: Buffer, type = 'audio/wav') => new Blob([new Uint8Array(bytes)], { type });

describe('voice health', () => {
  it('reports every component healthy from real probes, jarvis included', { timeout: 60_000 }, async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/voice/demo/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'healthy', components: { voice_service: 'healthy', wake_word: 'healthy', tts: 'healthy', asr: 'healthy', jarvis: 'healthy' } });
  });

  it('lists each engine in /health/detailed', { timeout: 30_000 }, async () => {
    const services = (await test.app.inject({ method: 'GET', url: '/health/detailed' })).json<{ services: { name: string; kind: string; status: string }[] }>().services;
    expect(services).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'speech-to-text', kind: 'pocketsphinx', status: 'healthy' }),
      expect.objectContaining({ name: 'text-to-speech', kind: 'espeak-ng', status: 'healthy' }),
      expect.objectContaining({ name: 'voice-activity', kind: 'silero-vad', status: 'healthy' }),
      expect.objectContaining({ name: 'audio-conversion', kind: 'ffmpeg', status: 'healthy' }),
    ]));
  });

  it('says why jarvis is down when no model can answer', { timeout: 60_000 }, async () => {
    const bare = await startTestApp();
    try {
      const body = (await bare.app.inject({ method: 'GET', url: '/api/v1/voice/demo/health' })).json<{ status: string; components: Record<string, string> }>();
      expect(body.status).toBe('degraded');
      expect(body.components.jarvis).toMatch(/^down: .*chat model \(no chat model is available\)/);
    } finally {
      await bare.close();
    }
  });

  it('lists the voices and what transcription takes', async () => {
    const body = (await test.app.inject({ method: 'GET', url: '/api/v1/voice/voices' })).json<{ engine: string; default_voice: string; voices: { id: string }[]; transcription: object }>();
    expect(body).toMatchObject({ engine: 'espeak-ng', default_voice: 'en-us', transcription: { engine: 'pocketsphinx', languages: ['en'], grammar: true } });
    expect(body.voices.map((v) => v.id)).toEqual(expect.arrayContaining(['en-us', 'en-gb', 'en-us+f3']));
  });
});

describe('POST /api/v1/voice/demo/transcribe', () => {
  it.each(['file', 'audio_file', 'audio'])('takes the audio in the `%s` field', { timeout: 60_000 }, async (field) => {
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ [field]: wavBlob(await spokenWav('jarvis what time is it')), mode: 'commands' }) });
    expect(response.status).toBe(200);
    const body = await response.json() as Record<string, unknown>;
    expect(body).toMatchObject({ text: 'jarvis what time is it', language: 'en', engine: 'pocketsphinx', word_count: 5 });
    expect(body.duration_s).toBeGreaterThan(1);
  });

  it('transcribes free dictation to words', { timeout: 60_000 }, async () => {
    const webm = await testConverter.encode(await spokenWav('please turn off the lights in the kitchen'), 'opus');
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: wavBlob(webm.audio, 'audio/ogg') }, 'speech.ogg') });
    const body = await response.json() as { text: string; word_count: number };
    expect(response.status).toBe(200);
    expect(body.word_count).toBeGreaterThan(0);
  });

  it('takes a raw audio body too', { timeout: 60_000 }, async () => {
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(await spokenWav('jarvis stop')) });
    expect(response.status).toBe(200);
  });

  it('refuses what is not audio with 400 and what it looks like', async () => {
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: new Blob(['hello, I am text']) }, 'notes.txt') });
    expect(response.status).toBe(400);
    expect((await response.json() as { error: object }).error).toMatchObject({ code: 'AUDIO_UNSUPPORTED', message: expect.stringContaining('text') });
  });

  it('refuses truncated audio with 400 and ffmpeg\'s reason', async () => {
    const webm = await testConverter.encode(await spokenWav('the quick brown fox jumps over the lazy dog'), 'mp3');
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: wavBlob(webm.audio.subarray(0, webm.audio.length / 2), 'audio/mpeg') }, 'cut.mp3') });
    expect(response.status).toBe(400);
    expect((await response.json() as { error: object }).error).toMatchObject({ code: 'AUDIO_INVALID', message: expect.stringContaining('truncated') });
  });

  it('refuses an upload over the size limit with 413 before reading it', async () => {
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: wavBlob(Buffer.alloc(2 * 1024 * 1024)) }) });
    expect(response.status).toBe(413);
    expect((await response.json() as { error: object }).error).toMatchObject({ code: 'AUDIO_TOO_LARGE' });
  });

  it('refuses a file over the size limit with 413 when the length is not declared up front', async () => {
    // A chunked body: only the multipart limit can catch it.
    const parts = form({ file: wavBlob(Buffer.alloc(1024 * 1024 + 10)) });
    const encoded = new Response(parts);
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, {
      method: 'POST', headers: { 'content-type': encoded.headers.get('content-type')! }, body: encoded.body, duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('refuses audio longer than the limit with 413', async () => {
    const tenSeconds = await testConverter.encode(samplesToWav(concatSamples(await spokenSamples('one'), silence(10)), 16_000), 'mp3');
    const response = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: wavBlob(tenSeconds.audio, 'audio/mpeg') }, 'long.mp3') });
    expect(response.status).toBe(413);
    expect((await response.json() as { error: object }).error).toMatchObject({ code: 'AUDIO_TOO_LONG' });
  });

  it('refuses a body without audio, another file field, and a bad mode', async () => {
    const noFile = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ mode: 'commands' }) });
    expect(noFile.status).toBe(400);
    const wrongField = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ upload: wavBlob(await spokenWav('jarvis stop')) }) });
    expect(wrongField.status).toBe(400);
    expect(await wrongField.text()).toContain('upload');
    const badMode = await fetch(`${url}/api/v1/voice/demo/transcribe`, { method: 'POST', body: form({ file: wavBlob(await spokenWav('jarvis stop')), mode: 'karaoke' }) });
    expect(badMode.status).toBe(400);
    const json = await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/transcribe', payload: { audio: 'base64?' } });
    expect(json.statusCode).toBe(400);
  });
});

describe('POST /api/v1/voice/demo/synthesize', () => {
  it('answers the audio bytes with their content type', async () => {
    const response = await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: 'Good morning. How can I help?' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    const info = parseWav(response.rawPayload);
    expect(info).toMatchObject({ bitsPerSample: 16, truncated: false });
    expect(info!.durationS).toBeGreaterThan(1);
    expect(Number(response.headers['x-audio-duration-seconds'])).toBeCloseTo(info!.durationS, 2);
  });

  it.each([['mp3', 'audio/mpeg'], ['ogg', 'audio/ogg'], ['opus', 'audio/ogg; codecs=opus']])('answers %s', async (format, contentType) => {
    const response = await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: 'Hello there.', format, voice: 'en-gb', speed: 1.2 } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(contentType);
    expect((await testConverter.toSpeechWav(response.rawPayload)).durationS).toBeGreaterThan(0.4);
  });

  it('answers JSON with base64 audio when asked for JSON', async () => {
    const response = await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', headers: { accept: 'application/json' }, payload: { text: 'Hello there.', voice: 'en-us+f3' } });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ status: string; audio_data: string; audio_size: number; duration_s: number; voice: string; format: string; text: string }>();
    expect(body).toMatchObject({ status: 'success', text: 'Hello there.', voice: 'en-us+f3', format: 'wav' });
    const audio = Buffer.from(body.audio_data, 'base64');
    expect(audio.length).toBe(body.audio_size);
    expect(parseWav(audio)!.durationS).toBeCloseTo(body.duration_s, 2);
  });

  it('refuses an unknown voice, empty text and text over the limit with 400', async () => {
    const voice = await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: 'Hello.', voice: 'klingon' } });
    expect(voice.statusCode).toBe(400);
    expect(voice.json()).toMatchObject({ error: { code: 'VOICE_NOT_FOUND' } });
    expect((await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: '' } })).statusCode).toBe(400);
    expect((await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: 'a'.repeat(4097) } })).statusCode).toBe(400);
    expect((await test.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: '   ' } })).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('OpenAI-compatible audio through the official openai client', () => {
  const client = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-needed-here', maxRetries: 0 });

  it('transcribes (json, text, verbose_json with words, srt, vtt)', { timeout: 60_000 }, async () => {
    const file = async () => toFile(await spokenWav('jarvis what time is it'), 'speech.wav', { type: 'audio/wav' });
    const json = await client().audio.transcriptions.create({ file: await file(), model: 'whisper-1' });
    expect(json.text.length).toBeGreaterThan(0);
    const verbose = await client().audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'] });
    expect(verbose).toMatchObject({ language: 'english', text: json.text });
    expect(verbose.duration).toBeGreaterThan(1);
    expect(verbose.words?.length).toBeGreaterThan(0);
    const text = await client().audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'text' });
    expect(String(text).trim()).toBe(json.text);
    const srt = await client().audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'srt' });
    expect(String(srt)).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n/);
    const vtt = await client().audio.transcriptions.create({ file: await file(), model: 'whisper-1', response_format: 'vtt' });
    expect(String(vtt)).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> /);
  });

  it('speaks: mp3 by default, wav when asked, OpenAI voice names on the default voice', async () => {
    const mp3 = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello from SutazAI.' });
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');
    expect((await testConverter.toSpeechWav(Buffer.from(await mp3.arrayBuffer()))).durationS).toBeGreaterThan(0.5);
    const wav = await client().audio.speech.create({ model: 'tts-1', voice: 'en-gb', input: 'Hello from SutazAI.', response_format: 'wav', speed: 1.5 });
    expect(parseWav(Buffer.from(await wav.arrayBuffer()))).toMatchObject({ bitsPerSample: 16 });
    expect(wav.headers.get('x-voice')).toBe('en-gb');
  });

  it('answers errors in OpenAI\'s shape', async () => {
    const error = await client().audio.transcriptions.create({ file: await toFile(Buffer.from('not audio at all'), 'x.wav'), model: 'whisper-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 400, code: 'AUDIO_UNSUPPORTED', type: 'invalid_request_error' });
    const speech = await client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x', stream_format: 'sse' }).catch((e: unknown) => e);
    expect(speech).toMatchObject({ status: 400 });
  });
});

describe('voice routes need a sign-in when accounts are on', () => {
  it('refuses anonymous callers', { timeout: 30_000 }, async () => {
    const secured = await startTestApp({ env: { AUTH: 'enabled' } });
    try {
      expect((await secured.app.inject({ method: 'GET', url: '/api/v1/voice/demo/health' })).statusCode).toBe(401);
      expect((await secured.app.inject({ method: 'POST', url: '/api/v1/voice/demo/synthesize', payload: { text: 'hi' } })).statusCode).toBe(401);
      expect((await secured.app.inject({ method: 'POST', url: '/v1/audio/speech', payload: { model: 'tts-1', voice: 'alloy', input: 'hi' } })).statusCode).toBe(401);
      expect((await secured.app.inject({ method: 'GET', url: '/api/v1/voice/ws', headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })).statusCode).toBe(401);
    } finally {
      await secured.close();
    }
  });
});
