/**
 * The conversation loop with the real Silero VAD and pocketsphinx on espeak-ng speech. Commands
 * mode without the wake word ends each utterance at its transcript (no chat turn), which is
 * where the early transcription begun at a pause shows.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { VoiceSocketServerFrame } from '@sutazai/contracts';
import { createPocketsphinxSpeechToText } from '../stt/pocketsphinx/pocketsphinx-stt.js';
import { concatSamples, silence, spokenSamples, testSpeaker } from '../test-support/speech-fixtures.js';
import { createSileroVad } from '../vad/silero-vad.js';
import { createVoiceConversation, type ConversationChat } from './voice-conversation.js';

const vad = createSileroVad();
afterAll(() => vad.close());
const stt = createPocketsphinxSpeechToText({ modelDir: '/usr/share/pocketsphinx/model/en-us', timeoutMs: 60_000 });

const noChat: ConversationChat = {
  startTurn: () => { throw new Error('no chat turn expected'); },
  subscribe: () => { throw new Error('no chat turn expected'); },
  stop: async () => false,
};

describe('voice conversation', () => {
  it('uses the transcription begun at the pause that ended the utterance, and stops the one speech resumed after', async () => {
    const [first, second] = await Promise.all([spokenSamples('Hello there.'), spokenSamples('Tell me a story.')]);
    // A 0.4 s pause is shorter than the 0.7 s that ends an utterance: pause, resume, pause, end.
    const samples = concatSamples(silence(0.5), first, silence(0.4), second, silence(1));
    const runs: { signal: AbortSignal | undefined }[] = [];
    const frames: VoiceSocketServerFrame[] = [];
    const conversation = createVoiceConversation({
      ownerId: 'user-1', chat: noChat, logger: { warn: () => undefined, error: () => undefined },
      sink: { send: (frame) => frames.push(frame as VoiceSocketServerFrame) },
      engines: { stt, tts: testSpeaker, vad },
      transcribe: async (wav, { signal }) => {
        runs.push({ signal });
        return { ...await stt.transcribe(wav, { signal }), engine: stt.id };
      },
      synthesize: () => Promise.reject(new Error('nothing to speak')),
      defaults: { silenceMs: 700, maxUtteranceS: 30 },
    });
    await conversation.start({ type: 'start', format: 'pcm16', sample_rate: 16_000, mode: 'commands' });
    for (let i = 0; i < samples.length; i += 320) conversation.audio(Buffer.from(samples.slice(i, i + 320).buffer));
    const transcript = await vi.waitFor(() => {
      const found = frames.find((frame) => frame.type === 'transcript');
      if (!found) throw new Error('no transcript yet');
      return found;
    }, { timeout: 60_000, interval: 50 });
    conversation.close();

    expect(transcript.action).toBe('ignored');
    expect(runs).toHaveLength(2);
    expect(runs[0]!.signal?.aborted).toBe(true);
    expect(runs[1]!.signal?.aborted).toBe(false);
    expect(transcript.timings.transcription_wait_ms).toBeLessThanOrEqual(transcript.timings.transcription_ms);
  }, 120_000);
});
