/**
 * Text to speech on this machine with espeak-ng (Debian's `espeak-ng`): a WAV on stdout,
 * the text on stdin (so nothing in it is read as an option), voices as espeak-ng names
 * them (`en-us`, `en-gb`, `de`), optionally with a variant (`en-us+f3`, `en-us+Andrea`).
 */
import { AppError } from '../../../errors/catalogue.js';
import type { ProbeResult } from '../../../llm/provider.js';
import { lastErrorLine, ProcessFailure, runProcess } from '../../audio/run-process.js';
import { parseWav } from '../../audio/wav.js';
import type { Speech, SynthesizeOptions, TextToSpeech, Voice } from '../../text-to-speech.js';

export interface EspeakNgOptions {
  command?: string;
  defaultVoice?: string | undefined;
  timeoutMs: number;
  maxChars: number;
}

/** espeak-ng's default pace in words per minute; speed 1 means this. */
const NORMAL_WPM = 175;
const SPEED = { min: 0.5, max: 2.5 };
const VOICE_NAME = /^[A-Za-z0-9_-]{1,40}(\+[A-Za-z0-9_-]{1,40})?$/;

export function createEspeakNgTextToSpeech(options: EspeakNgOptions): TextToSpeech {
  const command = options.command ?? 'espeak-ng';
  const defaultVoice = options.defaultVoice ?? 'en-us';
  let catalogue: Promise<{ voices: Voice[]; variants: Map<string, Voice> }> | undefined;

  const engineError = (error: unknown): AppError => {
    if (error instanceof AppError) return error;
    if (error instanceof ProcessFailure) {
      if (error.kind === 'not-found') return new AppError('VOICE_ENGINE_UNAVAILABLE', 'espeak-ng is not installed.', { hint: 'Install it (apt-get install espeak-ng), or set TTS_BASE_URL to an OpenAI-compatible speech server.' });
      if (error.kind === 'timeout') return new AppError('VOICE_ENGINE_TIMEOUT', `espeak-ng took longer than ${options.timeoutMs} ms.`);
      if (error.kind === 'aborted') return new AppError('GENERATION_STOPPED', 'The synthesis was cancelled.');
      return new AppError('VOICE_ENGINE_FAILED', `espeak-ng failed: ${lastErrorLine(error.stderr) || error.message}`);
    }
    return new AppError('VOICE_ENGINE_FAILED', `espeak-ng failed: ${(error as Error).message}`, { cause: error });
  };

  function loadCatalogue() {
    catalogue ??= (async () => {
      const [voices, variants] = await Promise.all([listVoices(command, '--voices'), listVoices(command, '--voices=variant')]);
      // MBROLA voices need the separate mbrola program and its databases: not offered.
      const offered = voices.filter((v) => !v.file.startsWith('mb/')).map((v) => v.voice);
      // Variant names are case-sensitive: espeak-ng silently ignores "alex" for "Alex".
      return { voices: offered.filter((v, i) => offered.findIndex((w) => w.id === v.id) === i), variants: new Map(variants.map((v) => [v.file.replace(/^!v\//, ''), v.voice])) };
    })().catch((error: unknown) => {
      catalogue = undefined;
      throw engineError(error);
    });
    return catalogue;
  }

  async function checkVoice(voice: string): Promise<void> {
    if (!VOICE_NAME.test(voice)) throw new AppError('VOICE_NOT_FOUND', `"${voice.slice(0, 60)}" is not an espeak-ng voice name.`);
    const { voices, variants } = await loadCatalogue();
    const [base, variant] = voice.split('+') as [string, string | undefined];
    if (!voices.some((v) => v.id.toLowerCase() === base.toLowerCase())) throw new AppError('VOICE_NOT_FOUND', `espeak-ng has no voice "${base}".`);
    if (variant !== undefined && !variants.has(variant)) throw new AppError('VOICE_NOT_FOUND', `espeak-ng has no variant "${variant}" (try f1..f5, m1..m7).`);
  }

  async function synthesize(text: string, call: SynthesizeOptions = {}): Promise<Speech> {
    if (text.length > options.maxChars) throw new AppError('VALIDATION_FAILED', `The text is ${text.length} characters; at most ${options.maxChars} are spoken at once.`);
    const voice = call.voice ?? defaultVoice;
    await checkVoice(voice);
    const speed = Math.min(SPEED.max, Math.max(SPEED.min, call.speed ?? 1));
    let stdout: Buffer;
    try {
      ({ stdout } = await runProcess(command, ['--stdout', '-b', '1', '-v', voice, '-s', String(Math.round(NORMAL_WPM * speed))], {
        input: text, timeoutMs: options.timeoutMs, maxOutputBytes: 200 * 1024 * 1024, signal: call.signal,
      }));
    } catch (error) {
      throw engineError(error);
    }
    const info = parseWav(stdout);
    if (!info) throw new AppError('VOICE_ENGINE_FAILED', 'espeak-ng did not write a WAV file.');
    return { wav: stdout, sampleRate: info.sampleRate, durationS: info.durationS, voice };
  }

  async function voices(): Promise<Voice[]> {
    const { voices: all, variants } = await loadCatalogue();
    // The default voice with each variant too, so a UI can offer female and male voices.
    const withVariants = [...variants.entries()].map(([key, variant]) => ({ ...variant, id: `${defaultVoice}+${key}`, name: `${defaultVoice} ${variant.name}`, language: defaultVoice }));
    return [...all, ...withVariants];
  }

  async function probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const speech = await synthesize('ok', {});
      if (speech.durationS <= 0) throw new Error('espeak-ng wrote an empty WAV');
      return { status: 'healthy', latencyMs: performance.now() - started, detail: `espeak-ng spoke a test word (${speech.durationS.toFixed(2)} s at ${speech.sampleRate} Hz, voice ${speech.voice})` };
    } catch (error) {
      return { status: 'down', latencyMs: performance.now() - started, detail: (error as Error).message, hint: 'Install espeak-ng (apt-get install espeak-ng), check TTS_VOICE, or set TTS_BASE_URL to an OpenAI-compatible speech server.' };
    }
  }

  return {
    id: 'espeak-ng', kind: 'espeak-ng', defaultVoice,
    capabilities: { voiceList: 'engine', speed: SPEED, maxChars: options.maxChars },
    synthesize, voices, probe,
  };
}

/** `espeak-ng --voices` prints a table: Pty Language Age/Gender VoiceName File Other-languages. */
async function listVoices(command: string, flag: string): Promise<{ voice: Voice; file: string }[]> {
  const { stdout } = await runProcess(command, [flag], { timeoutMs: 5000, maxOutputBytes: 1024 * 1024 });
  return stdout.toString('utf8').split('\n').slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) return [];
    const [, language, ageGender, name, file] = fields as [string, string, string, string, string];
    const gender = ageGender.endsWith('/F') ? 'female' as const : ageGender.endsWith('/M') ? 'male' as const : null;
    return [{ voice: { id: language, name: name.replace(/_/g, ' '), language: language === 'variant' ? null : language, gender }, file }];
  });
}
