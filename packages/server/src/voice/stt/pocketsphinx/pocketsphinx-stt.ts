/**
 * Speech to text on this machine with CMU pocketsphinx (Debian's `pocketsphinx` and
 * `pocketsphinx-en-us`, version 0.8+5prealpha: the `pocketsphinx_continuous` command).
 * Dictation uses the US English language model; a phrase grammar becomes a JSGF grammar,
 * so commands and the wake word are decoded against those phrases only, which is far more
 * accurate than dictation and answers nothing for speech outside them.
 *
 * Debian's build also has a keyword-spotting mode (`-keyphrase`), but from files it misses
 * "jarvis" even at permissive thresholds, so the wake word goes through the grammar.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../../errors/catalogue.js';
import type { ProbeResult } from '../../../llm/provider.js';
import { ProcessFailure, runProcess } from '../../audio/run-process.js';
import { parseWav, pcm16ToWav } from '../../audio/wav.js';
import type { PhraseGrammar, SpeechToText, TranscribeOptions, Transcript, TranscriptWord } from '../../speech-to-text.js';
import { phraseGrammarToJsgf } from './jsgf.js';

export interface PocketsphinxOptions {
  command?: string;
  /** Folder of pocketsphinx-en-us: `en-us/` (acoustic model), `en-us.lm.bin`, `cmudict-en-us.dict`. */
  modelDir: string;
  timeoutMs: number;
  tempDir?: string;
}

const FILLERS = /^(<s>|<\/s>|<sil>|\[[A-Z]+\]|\+\+.*\+\+|\+[A-Z]+\+)$/;

export function createPocketsphinxSpeechToText(options: PocketsphinxOptions): SpeechToText {
  const command = options.command ?? 'pocketsphinx_continuous';
  const files = {
    hmm: path.join(options.modelDir, 'en-us'),
    lm: path.join(options.modelDir, 'en-us.lm.bin'),
    dict: path.join(options.modelDir, 'cmudict-en-us.dict'),
  };

  async function run(wav: Buffer, grammar: PhraseGrammar | undefined, signal: AbortSignal | undefined, timeoutMs = options.timeoutMs): Promise<TranscriptWord[]> {
    const folder = await mkdtemp(path.join(options.tempDir ?? tmpdir(), 'sutazai-stt-'));
    try {
      const audio = path.join(folder, 'audio.wav');
      const log = path.join(folder, 'log.txt');
      await writeFile(audio, wav);
      const search: string[] = [];
      if (grammar) {
        const jsgf = path.join(folder, 'phrases.gram');
        await writeFile(jsgf, phraseGrammarToJsgf(grammar));
        search.push('-jsgf', jsgf);
      } else {
        search.push('-lm', files.lm);
      }
      let stdout: Buffer;
      try {
        ({ stdout } = await runProcess(command, ['-infile', audio, '-hmm', files.hmm, '-dict', files.dict, ...search, '-time', 'yes', '-logfn', log], {
          timeoutMs, maxOutputBytes: 4 * 1024 * 1024, signal,
        }));
      } catch (error) {
        throw await explain(error, log);
      }
      return parseWordTimes(stdout.toString('utf8'));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async function explain(error: unknown, log: string): Promise<AppError> {
    if (!(error instanceof ProcessFailure)) return new AppError('VOICE_ENGINE_FAILED', `pocketsphinx failed: ${(error as Error).message}`, { cause: error });
    if (error.kind === 'not-found') return new AppError('VOICE_ENGINE_UNAVAILABLE', 'pocketsphinx is not installed.', { hint: 'Install it (apt-get install pocketsphinx pocketsphinx-en-us), or set STT_BASE_URL to an OpenAI-compatible transcription server.' });
    if (error.kind === 'timeout') return new AppError('VOICE_ENGINE_TIMEOUT', `pocketsphinx took longer than ${options.timeoutMs} ms.`);
    if (error.kind === 'aborted') return new AppError('GENERATION_STOPPED', 'The transcription was cancelled.');
    const text = await readFile(log, 'utf8').catch(() => '');
    const missing = /The word '([^']+)' is missing in the dictionary/.exec(text);
    if (missing) return new AppError('VALIDATION_FAILED', `The phrase word "${missing[1]}" is not in pocketsphinx's dictionary.`, { hint: 'Use common English words in phrases, spelled out (no digits).' });
    const fatal = text.split('\n').filter((line) => /^(ERROR|FATAL)/.test(line)).at(-1);
    return new AppError('VOICE_ENGINE_FAILED', `pocketsphinx failed: ${fatal ?? error.message}`, { hint: `Check that pocketsphinx-en-us is installed in ${options.modelDir} (POCKETSPHINX_MODEL_DIR).` });
  }

  async function transcribe(wav: Buffer, call: TranscribeOptions = {}): Promise<Transcript> {
    if (call.language && !/^en\b/i.test(call.language)) {
      throw new AppError('VALIDATION_FAILED', `pocketsphinx here transcribes English only, not "${call.language}".`, { hint: 'Leave language out, or set STT_BASE_URL to a multilingual server (faster-whisper, whisper.cpp).' });
    }
    const info = parseWav(wav);
    const words = await run(wav, call.grammar, call.signal);
    return { text: words.map((w) => w.word).join(' '), language: 'en', durationS: info?.durationS ?? 0, words };
  }

  async function probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      await access(files.lm);
      // 0.3 s of silence decoded against a one-word grammar: the command, the acoustic model and the dictionary answer.
      await run(pcm16ToWav(new Uint8Array(9600), 16_000), { phrases: ['jarvis'] }, undefined, 2500);
      return { status: 'healthy', latencyMs: performance.now() - started, detail: `pocketsphinx_continuous decoded a test clip with the en-us model in ${options.modelDir}` };
    } catch (error) {
      const missingModel = (error as NodeJS.ErrnoException).code === 'ENOENT';
      return {
        status: 'down', latencyMs: performance.now() - started,
        detail: missingModel ? `The language model ${files.lm} is missing.` : (error as Error).message,
        hint: 'Install pocketsphinx and pocketsphinx-en-us (apt-get install pocketsphinx pocketsphinx-en-us) or set POCKETSPHINX_MODEL_DIR; or set STT_BASE_URL to an OpenAI-compatible transcription server.',
      };
    }
  }

  return {
    id: 'pocketsphinx', kind: 'pocketsphinx',
    capabilities: { grammar: true, wordTimings: true, languages: ['en'] },
    transcribe, probe,
  };
}

/**
 * `-time yes` prints, after each utterance's hypothesis, one line per word:
 * `word start end posterior`. Alternative pronunciations are marked `word(2)`.
 */
export function parseWordTimes(output: string): TranscriptWord[] {
  const words: TranscriptWord[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [raw, start, end, posterior] = fields as [string, string, string, string];
    if (![start, end, posterior].every((field) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(field))) continue;
    const word = raw.replace(/\(\d+\)$/, '');
    if (FILLERS.test(word)) continue;
    words.push({ word, startS: Number(start), endS: Number(end), confidence: Math.min(1, Math.max(0, Number(posterior))) });
  }
  return words;
}
