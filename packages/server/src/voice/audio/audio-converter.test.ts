/**
 * Audio conversion with the real ffmpeg: every accepted input format decodes to 16 kHz mono,
 * every output format encodes and decodes back, and bad, truncated, huge and too long audio
 * is refused with its code and a reason.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spokenWav } from '../test-support/speech-fixtures.js';
import { createFfmpegAudioConverter } from './audio-converter.js';
import { detectContainer } from './audio-format.js';
import { runProcess } from './run-process.js';
import { parseWav, pcm16ToWav } from './wav.js';

const converter = createFfmpegAudioConverter({ maxInputBytes: 2 * 1024 * 1024, maxDurationS: 20, timeoutMs: 30_000 });
const SENTENCE = 'The quick brown fox jumps over the lazy dog.';

/** What browsers and phones record, made from the same speech by ffmpeg. */
const INPUTS = {
  wav: ['-c:a', 'pcm_s16le', '-ar', '44100', '-ac', '2', '-f', 'wav'],
  webm: ['-c:a', 'libopus', '-ar', '48000', '-f', 'webm'],
  ogg: ['-c:a', 'libopus', '-ar', '48000', '-f', 'ogg'],
  'ogg-vorbis': ['-c:a', 'libvorbis', '-f', 'ogg'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  m4a: ['-c:a', 'aac', '-f', 'ipod'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
} as const;

let dir: string;
const files: Record<string, Buffer> = {};
let speech: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sutazai-audio-test-'));
  speech = await spokenWav(SENTENCE);
  writeFileSync(path.join(dir, 'speech.wav'), speech);
  await Promise.all(Object.entries(INPUTS).map(async ([name, args]) => {
    const out = path.join(dir, `input.${name}`);
    await runProcess('ffmpeg', ['-v', 'error', '-y', '-i', path.join(dir, 'speech.wav'), ...args, out], { timeoutMs: 30_000, maxOutputBytes: 1024 }).catch((e: { stderr?: string }) => {
      throw new Error(`ffmpeg could not make ${name}: ${e.stderr}`);
    });
    files[name] = readFileSync(out);
  }));
});

describe('audio conversion in', () => {
  it.each(Object.keys(INPUTS))('decodes %s to 16 kHz mono 16-bit WAV of the same length', async (name) => {
    const decoded = await converter.toSpeechWav(files[name]!);
    const info = parseWav(decoded.wav);
    expect(info).toMatchObject({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, truncated: false });
    expect(decoded.durationS).toBeCloseTo(parseWav(speech)!.durationS, 0);
  });

  it('tells the containers apart by their first bytes', () => {
    expect(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, detectContainer(bytes)]))).toEqual({
      wav: 'wav', webm: 'webm', ogg: 'ogg', 'ogg-vorbis': 'ogg', mp3: 'mp3', m4a: 'm4a', flac: 'flac',
    });
  });

  it('accepts a WAV whose writer could not fill in its sizes (streamed)', async () => {
    const streamed = Buffer.from(speech);
    streamed.writeUInt32LE(0x7ffff000, 4);
    streamed.writeUInt32LE(0x7ffff000, 40);
    expect((await converter.toSpeechWav(streamed)).durationS).toBeGreaterThan(1);
  });

  it.each(['wav', 'webm', 'ogg', 'mp3', 'm4a'])('refuses a truncated %s with 400 and the reason', async (name) => {
    const whole = files[name]!;
    const error = await converter.toSpeechWav(whole.subarray(0, Math.floor(whole.length / 2))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUDIO_INVALID', status: 400, message: expect.stringMatching(/truncated|could not be decoded|damaged/) });
  });

  it('refuses an mp3 from a streaming encoder (no length header) cut inside a frame', async () => {
    const streamed = (await converter.encode(speech, 'mp3')).audio;
    await expect(converter.toSpeechWav(streamed.subarray(0, Math.floor(streamed.length * 0.6) + 7))).rejects.toMatchObject({ code: 'AUDIO_INVALID', message: expect.stringContaining('truncated') });
    expect((await converter.toSpeechWav(streamed)).durationS).toBeGreaterThan(1);
  });

  it('refuses bytes that are no audio, saying what they look like', async () => {
    await expect(converter.toSpeechWav(Buffer.from('{"text":"hello"}'))).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED', status: 400, message: expect.stringContaining('JSON') });
    await expect(converter.toSpeechWav(Buffer.from('%PDF-1.7 ...'))).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED', message: expect.stringContaining('PDF') });
    await expect(converter.toSpeechWav(Buffer.alloc(0))).rejects.toMatchObject({ code: 'AUDIO_INVALID', message: expect.stringContaining('empty') });
  });

  it('refuses audio whose body is garbage behind a valid header, with ffmpeg\'s reason', async () => {
    const garbage = Buffer.concat([files.webm!.subarray(0, 64), Buffer.alloc(20_000, 0x5a)]);
    await expect(converter.toSpeechWav(garbage)).rejects.toMatchObject({ code: 'AUDIO_INVALID', status: 400 });
    const mp3Noise = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x00]), Buffer.alloc(5000, 0x13)]);
    await expect(converter.toSpeechWav(mp3Noise)).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a WAV header without samples', async () => {
    await expect(converter.toSpeechWav(pcm16ToWav(new Uint8Array(0), 16_000))).rejects.toMatchObject({ code: 'AUDIO_INVALID', message: expect.stringContaining('no audio') });
  });

  it('refuses a file over the size limit with 413 before decoding it', async () => {
    await expect(converter.toSpeechWav(Buffer.alloc(2 * 1024 * 1024 + 1))).rejects.toMatchObject({ code: 'AUDIO_TOO_LARGE', status: 413 });
  });

  it('refuses audio longer than the limit with 413, decoding no more than a second past it', async () => {
    // 60 s of silence as mp3 is small in bytes but three times the 20 s limit.
    const out = path.join(dir, 'long.mp3');
    await runProcess('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '60', '-c:a', 'libmp3lame', '-b:a', '16k', out], { timeoutMs: 30_000, maxOutputBytes: 1024 });
    const started = performance.now();
    await expect(converter.toSpeechWav(readFileSync(out))).rejects.toMatchObject({ code: 'AUDIO_TOO_LONG', status: 413 });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('is unavailable with a fix when ffmpeg is not installed', async () => {
    const missing = createFfmpegAudioConverter({ command: 'ffmpeg-not-installed', maxInputBytes: 1e6, maxDurationS: 10, timeoutMs: 5000 });
    await expect(missing.toSpeechWav(speech)).rejects.toMatchObject({ code: 'VOICE_ENGINE_UNAVAILABLE', status: 503 });
    expect(await missing.probe()).toMatchObject({ status: 'down' });
  });
});

describe('audio conversion out', () => {
  it.each(['mp3', 'ogg', 'opus', 'flac', 'aac'] as const)('encodes %s that decodes back to the same length', async (format) => {
    const encoded = await converter.encode(speech, format);
    expect(encoded.audio.length).toBeGreaterThan(1000);
    const decoded = await converter.toSpeechWav(encoded.audio);
    expect(decoded.durationS).toBeCloseTo(parseWav(speech)!.durationS, 0);
  });

  it('gives wav with exact sizes and raw 24 kHz pcm', async () => {
    const streamed = Buffer.from(speech);
    streamed.writeUInt32LE(0x7ffff000, 40);
    const wav = await converter.encode(streamed, 'wav');
    expect(parseWav(wav.audio)).toMatchObject({ truncated: false, dataLength: wav.audio.readUInt32LE(40) });
    const pcm = await converter.encode(speech, 'pcm');
    expect(pcm.contentType).toContain('rate=24000');
    expect(pcm.audio.length / 2 / 24_000).toBeCloseTo(parseWav(speech)!.durationS, 1);
  });

  it('answers its probe with a real conversion', async () => {
    expect(await converter.probe()).toMatchObject({ status: 'healthy' });
  });
});
