/**
 * voice: time to first audio in the hands-free conversation, from the end of the user's
 * speech to the first spoken sentence of the reply arriving at the client, with the
 * embedded engines (Silero VAD, pocketsphinx, espeak-ng) and the tiny model. Split into
 * its parts as the server reports them, each next to the same work done directly:
 *
 * - vad: last speech frame received → end of utterance decided; baseline: the configured
 *   silence the detector must wait for.
 * - transcription: the server's pocketsphinx run; baseline: pocketsphinx_continuous on the
 *   same utterance, spawned here.
 * - first sentence: chat turn requested → first sentence of the reply complete; baseline:
 *   the same model through POST /v1/chat/completions (streamed, nothing stored) until its
 *   first sentence.
 * - synthesis: the first sentence spoken (and encoded); baseline: espeak-ng on the same
 *   sentence, spawned here.
 * - total: measured at the client; baseline: the sum of the four baselines.
 *
 * The utterance is streamed in real time (20 ms frames), as a microphone would.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { cliEntry, repositoryRoot, spawnSutazai, temporaryFolder, unbundledCliEntry, waitForOk } from './processes.mjs';
import { percentile } from './statistics.mjs';

const UTTERANCE = 'Tell me a story about a little dog.';
const SILENCE_MS = 500;
const MAX_TOKENS = 48;
const FRAME_SAMPLES = 320;
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';

export async function runVoiceBench({ report, log, rounds = 5 }) {
  const modelFile = path.resolve(repositoryRoot, process.env.SUTAZAI_TEST_MODEL ?? '../shared/models/stories260K.gguf');
  if (!existsSync(modelFile)) throw new Error(`the voice benchmark needs the tiny model at ${modelFile} (or SUTAZAI_TEST_MODEL)`);
  const model = path.basename(modelFile).replace(/\.gguf$/i, '');
  const modelsDir = path.join(temporaryFolder('voice-models'), 'models');
  mkdirSync(modelsDir, { recursive: true });
  symlinkSync(modelFile, path.join(modelsDir, path.basename(modelFile)));

  const speech = await spokenPcm(UTTERANCE);
  const clip = concat(new Int16Array(16_000 * 0.3), speech, new Int16Array(16_000 * 1.5));
  const speechEndSample = 16_000 * 0.3 + speech.length;
  // The direct baseline reads the same clip from a WAV file, as the server's adapter does.
  const clipFile = path.join(temporaryFolder('voice-clip'), 'utterance.wav');
  writeFileSync(clipFile, wavOf(clip));
  log(`voice: utterance "${UTTERANCE}" (${(speech.length / 16_000).toFixed(2)} s of speech), ${rounds} rounds after a warm-up`);

  const sutazai = await spawnSutazai({ MODELS_DIR: modelsDir, LLAMA_CONTEXT_SIZE: '1024' }, { entry: existsSync(cliEntry) ? cliEntry : unbundledCliEntry });
  try {
    await waitForOk(`${sutazai.url}/health`, sutazai.process, { timeoutMs: 60_000 });
    const samples = { vad: [], transcription: [], transcriptionWait: [], firstSentence: [], synthesis: [], total: [], sinceDecision: [] };
    const baselines = { transcription: [], firstSentence: [], synthesis: [] };
    let heard = '';
    let firstSentence = '';
    for (let round = 0; round <= rounds; round++) {
      const result = await converse(sutazai.url, clip, speechEndSample, model);
      // Each baseline right after the round it belongs to, so both see the same machine load.
      const directTranscription = await timeCommand('pocketsphinx_continuous', ['-infile', clipFile, '-hmm', `${POCKETSPHINX_MODEL}/en-us`, '-lm', `${POCKETSPHINX_MODEL}/en-us.lm.bin`, '-dict', `${POCKETSPHINX_MODEL}/cmudict-en-us.dict`, '-time', 'yes', '-logfn', '/dev/null'], Buffer.alloc(0));
      const directSentence = await directFirstSentence(sutazai.url, model, UTTERANCE);
      const directSynthesis = await timeCommand('espeak-ng', ['--stdout', '-b', '1', '-v', 'en-us'], Buffer.from(result.sentence));
      if (round === 0) continue; // warm-up: model load, page cache
      heard = result.transcript;
      firstSentence = result.sentence;
      samples.vad.push(result.timings.vad_ms);
      samples.transcription.push(result.timings.transcription_ms);
      samples.transcriptionWait.push(result.timings.transcription_wait_ms);
      samples.firstSentence.push(result.timings.first_sentence_ms);
      samples.synthesis.push(result.timings.synthesis_ms);
      samples.sinceDecision.push(result.timings.since_speech_end_ms);
      samples.total.push(result.totalMs);
      baselines.transcription.push(directTranscription);
      baselines.firstSentence.push(directSentence);
      baselines.synthesis.push(directSynthesis);
      log(`voice round ${round}: total ${result.totalMs.toFixed(0)} ms (vad ${result.timings.vad_ms}, transcription ${result.timings.transcription_ms} vs ${directTranscription.toFixed(0)} direct (${result.timings.transcription_wait_ms} after the end was decided), first sentence ${result.timings.first_sentence_ms} vs ${directSentence.toFixed(0)}, synthesis ${result.timings.synthesis_ms} vs ${directSynthesis.toFixed(0)})`);
    }
    const p50 = (values) => percentile(values, 0.5);
    const baselineTotal = SILENCE_MS + p50(baselines.transcription) + p50(baselines.firstSentence) + p50(baselines.synthesis);
    const common = { model, rounds, utterance: UTTERANCE, heard, first_sentence: firstSentence, silence_ms: SILENCE_MS };
    report.figure({ bench: 'voice', figure: 'vad_ms_p50', value: p50(samples.vad), unit: 'ms', baseline: SILENCE_MS, details: { ...common, samples: samples.vad } });
    report.figure({ bench: 'voice', figure: 'transcription_ms_p50', value: p50(samples.transcription), unit: 'ms', baseline: p50(baselines.transcription), details: { engine: 'pocketsphinx', samples: samples.transcription, direct_samples: baselines.transcription.map(Math.round) } });
    report.figure({ bench: 'voice', figure: 'transcription_wait_ms_p50', value: p50(samples.transcriptionWait), unit: 'ms', baseline: p50(baselines.transcription), details: { note: 'the part of the transcription left after the end of the utterance was decided (it starts at the first 250 ms pause)', samples: samples.transcriptionWait } });
    report.figure({ bench: 'voice', figure: 'first_sentence_ms_p50', value: p50(samples.firstSentence), unit: 'ms', baseline: p50(baselines.firstSentence), details: { model, max_tokens: MAX_TOKENS, samples: samples.firstSentence, direct_samples: baselines.firstSentence.map(Math.round) } });
    report.figure({ bench: 'voice', figure: 'synthesis_ms_p50', value: p50(samples.synthesis), unit: 'ms', baseline: p50(baselines.synthesis), details: { engine: 'espeak-ng', format: 'wav', samples: samples.synthesis, direct_samples: baselines.synthesis.map(Math.round) } });
    report.figure({
      bench: 'voice', figure: 'time_to_first_audio_ms_p50', value: p50(samples.total), unit: 'ms', baseline: baselineTotal,
      details: { ...common, samples: samples.total.map(Math.round), since_speech_end_decided_ms_p50: p50(samples.sinceDecision) },
    });
    const added = p50(samples.total) - baselineTotal;
    report.figure({ bench: 'voice', figure: 'time_to_first_audio_added_ms_p50', value: added, unit: 'ms', baseline: 0, target: ['<', 500], details: { through_ms: p50(samples.total), direct_ms: baselineTotal } });
  } finally {
    await sutazai.process.stop();
  }
}

/** One utterance over /api/v1/voice/ws, streamed in real time; resolves at the reply's audio-end. */
function converse(url, clip, speechEndSample, model) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    let speechEndSentAt;
    let first;
    let transcript;
    const timer = setTimeout(() => fail(new Error('no reply audio within 120 s')), 120_000);
    const fail = (error) => {
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString('utf8'));
      if (frame.type === 'ready') void stream();
      else if (frame.type === 'error') fail(new Error(`${frame.code}: ${frame.message}`));
      else if (frame.type === 'transcript') transcript = frame;
      else if (frame.type === 'audio' && !first) first = { at: performance.now(), frame };
      else if (frame.type === 'audio-end') {
        clearTimeout(timer);
        socket.close();
        if (!first || !transcript) return reject(new Error(`the reply had no audio (transcript ${JSON.stringify(transcript?.text)})`));
        resolve({
          totalMs: first.at - speechEndSentAt, transcript: transcript.text, sentence: first.frame.text,
          timings: { ...transcript.timings, ...first.frame.timings },
        });
      }
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'start', format: 'pcm16', sample_rate: 16_000, silence_ms: SILENCE_MS, model, max_tokens: MAX_TOKENS })));
    async function stream() {
      const started = performance.now();
      for (let offset = 0; offset < clip.length; offset += FRAME_SAMPLES) {
        const wait = started + (offset / 16_000) * 1000 - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const frame = clip.subarray(offset, offset + FRAME_SAMPLES);
        socket.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        if (speechEndSentAt === undefined && offset + FRAME_SAMPLES >= speechEndSample) speechEndSentAt = performance.now();
      }
    }
  });
}

/** The same model through the OpenAI-compatible route: time until its first sentence is complete. */
async function directFirstSentence(url, model, message) {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: message }] }),
  });
  if (!response.ok) throw new Error(`/v1/chat/completions answered ${response.status}`);
  let text = '';
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '';
      // The conversation loop's rule: . ! ? and a space, at least 12 characters.
      const boundary = /[.!?…]+["')\]]*\s/.exec(text);
      if (boundary && boundary.index >= 11) {
        const at = performance.now() - started;
        await response.body.cancel().catch(() => undefined);
        return at;
      }
    }
  }
  return performance.now() - started;
}

/** Speech as 16 kHz mono PCM: espeak-ng into ffmpeg, as the server's own conversion does. */
async function spokenPcm(text) {
  const wav = await runCommand('espeak-ng', ['--stdout', '-b', '1', '-v', 'en-us'], Buffer.from(text));
  const pcm = await runCommand('ffmpeg', ['-v', 'error', '-f', 'wav', '-i', 'pipe:0', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], fixWavSizes(wav));
  return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length - (pcm.length % 2)));
}

function wavOf(samples) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

function concat(...parts) {
  const joined = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** espeak-ng writes placeholder sizes on stdout. */
function fixWavSizes(wav) {
  const copy = Buffer.from(wav);
  copy.writeUInt32LE(copy.length - 8, 4);
  copy.writeUInt32LE(copy.length - 44, 40);
  return copy;
}

async function timeCommand(command, args, input) {
  const started = performance.now();
  await runCommand(command, args, input);
  return performance.now() - started;
}

function runCommand(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} exited with ${code}: ${stderr.slice(-500)}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
