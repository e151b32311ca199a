/**
 * Audio in and out through ffmpeg, each conversion a child process with a deadline and
 * bounded output. In: any accepted container → 16 kHz mono 16-bit WAV (what every speech
 * engine here takes), refusing damaged, empty, too large and too long audio with the
 * reason. Out: WAV → the format a client asked for.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../errors/catalogue.js';
import type { ProbeResult } from '../../llm/provider.js';
import { CONTENT_TYPES, DEMUXER, describeUnknown, detectContainer, mp3Damage, oggDamage, type InputContainer, type OutputFormat } from './audio-format.js';
import { lastErrorLine, ProcessFailure, runProcess } from './run-process.js';
import { parseWav, pcm16ToWav, withExactSizes } from './wav.js';

export const SPEECH_SAMPLE_RATE = 16_000;

export interface SpeechAudio {
  /** 16 kHz mono 16-bit WAV. */
  wav: Buffer;
  durationS: number;
  container: InputContainer;
}

export interface EncodedAudio {
  audio: Buffer;
  format: OutputFormat;
  contentType: string;
}

export interface AudioConverter {
  readonly kind: 'ffmpeg';
  readonly limits: { maxInputBytes: number; maxDurationS: number };
  /** Decodes an upload for the speech engines; AppError AUDIO_* when it cannot be used. */
  toSpeechWav(bytes: Uint8Array, options?: { signal?: AbortSignal | undefined; maxDurationS?: number }): Promise<SpeechAudio>;
  /** Encodes a WAV (any rate) as `format`; WAV is passed through. */
  encode(wav: Buffer, format: OutputFormat, options?: { signal?: AbortSignal | undefined }): Promise<EncodedAudio>;
  /** A real conversion of a generated tone through ffmpeg. */
  probe(): Promise<ProbeResult>;
}

export interface FfmpegConverterOptions {
  command?: string;
  maxInputBytes: number;
  maxDurationS: number;
  timeoutMs: number;
  /** Where uploads are written for ffmpeg (m4a needs a seekable file); the system's temporary folder by default. */
  tempDir?: string;
}

/** Warnings ffmpeg prints for damaged input it decodes anyway. */
const DAMAGE = /File ended prematurely|filesize and duration do not match|Packet corrupt|[Tt]runcat|partial file|Invalid data|moov atom not found|corrupt|Error while decoding|invalid frame/;

const ENCODERS: Record<Exclude<OutputFormat, 'wav'>, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  ogg: ['-c:a', 'libvorbis', '-q:a', '3', '-f', 'ogg'],
  // Opus takes 48, 24, 16, 12 or 8 kHz.
  opus: ['-ar', '24000', '-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
  aac: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  pcm: ['-ar', '24000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 's16le'],
};

export function createFfmpegAudioConverter(options: FfmpegConverterOptions): AudioConverter {
  const command = options.command ?? 'ffmpeg';
  const baseArgs = ['-nostdin', '-hide_banner', '-protocol_whitelist', 'file,pipe', '-v', 'warning'];

  const engineError = (error: unknown, action: string): AppError => {
    if (error instanceof AppError) return error;
    if (error instanceof ProcessFailure) {
      if (error.kind === 'not-found') return new AppError('VOICE_ENGINE_UNAVAILABLE', 'ffmpeg is not installed, so audio cannot be converted.', { hint: 'Install it (apt-get install ffmpeg) and retry.' });
      if (error.kind === 'timeout') return new AppError('VOICE_ENGINE_TIMEOUT', `Converting the audio took longer than ${options.timeoutMs} ms.`);
      if (error.kind === 'aborted') return new AppError('GENERATION_STOPPED', 'The conversion was cancelled.');
    }
    return new AppError('VOICE_ENGINE_FAILED', `ffmpeg could not ${action}: ${error instanceof ProcessFailure ? lastErrorLine(error.stderr) || error.message : (error as Error).message}`, { cause: error });
  };

  async function toSpeechWav(bytes: Uint8Array, call: { signal?: AbortSignal | undefined; maxDurationS?: number } = {}): Promise<SpeechAudio> {
    const maxDurationS = call.maxDurationS ?? options.maxDurationS;
    if (bytes.length > options.maxInputBytes) throw new AppError('AUDIO_TOO_LARGE', `The audio is ${bytes.length} bytes; this server takes at most ${options.maxInputBytes}.`);
    if (bytes.length === 0) throw new AppError('AUDIO_INVALID', 'The audio file is empty.');
    const container = detectContainer(bytes);
    if (!container) throw new AppError('AUDIO_UNSUPPORTED', `The audio is not wav, webm, ogg, mp3, m4a or flac: ${describeUnknown(bytes)}.`);
    checkStructure(container, bytes);
    const wavInfo = container === 'wav' ? parseWav(bytes) : undefined;
    if (wavInfo) bytes = withExactSizes(bytes, wavInfo);

    const folder = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'sutazai-audio-'));
    const input = path.join(folder, `input.${container}`);
    try {
      await writeFile(input, bytes);
      // One second beyond the limit is decoded, so "too long" is told apart from "exactly the limit".
      const limitS = maxDurationS + 1;
      const maxOutputBytes = Math.ceil(limitS * SPEECH_SAMPLE_RATE * 2) + 65_536;
      let result;
      try {
        result = await runProcess(command, [
          ...baseArgs, '-f', DEMUXER[container], '-i', input,
          '-t', String(limitS), '-vn', '-ac', '1', '-ar', String(SPEECH_SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:1',
        ], { timeoutMs: options.timeoutMs, maxOutputBytes, signal: call.signal });
      } catch (error) {
        if (error instanceof ProcessFailure && error.kind === 'exit') {
          throw new AppError('AUDIO_INVALID', `The ${container} audio could not be decoded: ${reason(error.stderr, input) || `ffmpeg exited with code ${error.exitCode}`}.`);
        }
        throw engineError(error, 'decode the audio');
      }
      const damage = result.stderr.split('\n').find((line) => DAMAGE.test(line));
      if (damage) throw new AppError('AUDIO_INVALID', `The ${container} audio is truncated or damaged: ${reason(damage, input)}.`);
      const pcm = result.stdout.subarray(0, result.stdout.length - (result.stdout.length % 2));
      if (pcm.length === 0) throw new AppError('AUDIO_INVALID', `The ${container} file holds no audio samples.`);
      const durationS = pcm.length / 2 / SPEECH_SAMPLE_RATE;
      if (durationS > maxDurationS) throw new AppError('AUDIO_TOO_LONG', `The audio is longer than ${maxDurationS} s; this server takes at most ${maxDurationS} s at once.`);
      return { wav: pcm16ToWav(pcm, SPEECH_SAMPLE_RATE), durationS, container };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async function encode(wav: Buffer, format: OutputFormat, call: { signal?: AbortSignal | undefined } = {}): Promise<EncodedAudio> {
    const info = parseWav(wav);
    // Engines that stream write placeholder sizes; what leaves here has the real ones.
    if (info) wav = withExactSizes(wav, info);
    if (format === 'wav') return { audio: wav, format, contentType: CONTENT_TYPES.wav };
    const durationS = info?.durationS ?? 60;
    try {
      const { stdout } = await runProcess(command, [...baseArgs, '-f', 'wav', '-i', 'pipe:0', '-vn', ...ENCODERS[format], 'pipe:1'], {
        input: wav, timeoutMs: options.timeoutMs, maxOutputBytes: Math.ceil(durationS * 48_000 * 2 * 2) + 1_048_576, signal: call.signal,
      });
      return { audio: stdout, format, contentType: CONTENT_TYPES[format] };
    } catch (error) {
      throw engineError(error, `encode ${format}`);
    }
  }

  async function probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      // 0.2 s of a 440 Hz tone as WAV, through the real decoding path.
      const samples = new Int16Array(3200);
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SPEECH_SAMPLE_RATE));
      const decoded = await toSpeechWav(pcm16ToWav(new Uint8Array(samples.buffer), SPEECH_SAMPLE_RATE));
      return { status: 'healthy', latencyMs: performance.now() - started, detail: `ffmpeg decoded a ${decoded.durationS.toFixed(1)} s WAV to 16 kHz mono` };
    } catch (error) {
      const appError = error instanceof AppError ? error : engineError(error, 'convert audio');
      return { status: 'down', latencyMs: performance.now() - started, detail: appError.message, hint: 'Install ffmpeg (apt-get install ffmpeg); uploads and the voice conversation need it.' };
    }
  }

  return { kind: 'ffmpeg', limits: { maxInputBytes: options.maxInputBytes, maxDurationS: options.maxDurationS }, toSpeechWav, encode, probe };
}

/** Damage ffmpeg does not report, found from the container's own structure. */
function checkStructure(container: InputContainer, bytes: Uint8Array): void {
  if (container === 'wav') {
    const info = parseWav(bytes);
    if (!info) throw new AppError('AUDIO_INVALID', 'The WAV header is incomplete: no format or data chunk.');
    if (info.truncated) throw new AppError('AUDIO_INVALID', `The WAV file is truncated: its header announces more audio than the ${bytes.length} bytes received.`);
    if (info.dataLength === 0) throw new AppError('AUDIO_INVALID', 'The WAV file holds no audio samples.');
  } else if (container === 'ogg' || container === 'mp3') {
    const damage = container === 'ogg' ? oggDamage(bytes) : mp3Damage(bytes);
    if (damage) throw new AppError('AUDIO_INVALID', `The ${container} audio is truncated or damaged: ${damage}.`);
  }
}

/** ffmpeg's message without the temporary path or the "[demuxer @ 0x...]" prefix. */
function reason(stderr: string, input: string): string {
  return lastErrorLine(stderr.split(input).join('input')).replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').replace(/\.$/, '');
}
