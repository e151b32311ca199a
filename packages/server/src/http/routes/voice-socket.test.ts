/**
 * The hands-free conversation end to end over a real WebSocket: espeak-ng speech streamed as
 * PCM frames with silence after it, Silero VAD, pocketsphinx, the real tiny model, espeak-ng
 * speaking the reply sentence by sentence; the turn stored as text. Barge-in runs against a
 * scripted model that writes slowly, so the speech surely lands while it is still writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../llm/test-support/openai-compatible-test-server.js';
import { parseWav } from '../../voice/audio/wav.js';
import { concatSamples, silence, spokenSamples } from '../../voice/test-support/speech-fixtures.js';
import { connectVoiceSocket, type ReceivedFrame } from '../../voice/test-support/voice-socket-client.js';
import { startTestApp, testModelName, type TestApp } from '../test-support/test-app.js';

const start = { type: 'start', format: 'pcm16', sample_rate: 16_000, silence_ms: 500, max_tokens: 80 };

describe('voice conversation over a WebSocket with the real tiny model', () => {
  let test: TestApp;
  let url: string;
  beforeAll(async () => {
    test = await startTestApp({ realModel: true });
    url = await test.listen();
  });
  afterAll(async () => test?.close());

  it('hears an utterance, transcribes it, streams the reply and speaks it sentence by sentence, and stores the turn', { timeout: 120_000 }, async () => {
    const client = await connectVoiceSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    try {
      client.send({ ...start, model: testModelName });
      const ready = await client.waitFor((f) => f.type === 'ready');
      expect(ready).toMatchObject({ sample_rate: 16_000, mode: 'conversation', stt: 'pocketsphinx', tts: 'espeak-ng', voice: 'en-us', audio_format: 'wav' });

      const speech = await spokenSamples('Tell me a story about a little dog.');
      await client.sendAudio(concatSamples(silence(0.5), speech, silence(1.2)));

      const transcript = await client.waitFor((f) => f.type === 'transcript', 60_000, 'transcript');
      expect(transcript).toMatchObject({ action: 'turn', engine: 'pocketsphinx', language: 'en' });
      expect(String(transcript.text).length).toBeGreaterThan(0);
      const end = await client.waitFor((f) => f.type === 'message-end', 60_000, 'message-end');
      const audioEnd = await client.waitFor((f) => f.type === 'audio-end', 60_000, 'audio-end');

      const types = client.frames.map((f) => f.type);
      expect(types.indexOf('speech-start')).toBeLessThan(types.indexOf('speech-end'));
      expect(types.indexOf('speech-end')).toBeLessThan(types.indexOf('transcript'));
      expect(types.indexOf('transcript')).toBeLessThan(types.indexOf('message-start'));
      const deltas = client.frames.filter((f) => f.type === 'text-delta').map((f) => String(f.text));
      const reply = deltas.join('');
      expect(reply.length).toBeGreaterThan(0);

      const audio = client.frames.filter((f): f is ReceivedFrame & { audio: Buffer } => f.type === 'audio');
      expect(audio.length).toBeGreaterThan(0);
      expect(audioEnd).toMatchObject({ message_id: end.message_id, count: audio.length });
      audio.forEach((frame, index) => {
        expect(frame).toMatchObject({ index, message_id: end.message_id, format: 'wav', content_type: 'audio/wav', bytes: frame.audio.length });
        const info = parseWav(frame.audio);
        expect(info).toMatchObject({ bitsPerSample: 16, truncated: false });
        expect(info!.durationS).toBeCloseTo(Number(frame.duration_s), 1);
      });
      // Sentences in order, and together the whole reply (as spoken text).
      expect(audio.map((f) => String(f.text)).join(' ').replace(/\W+/g, '')).toBe(reply.replace(/```[\s\S]*?```/g, '').replace(/\W+/g, ''));
      // The first sentence was ready, and spoken, before the model had finished the reply.
      const timings = audio[0]!.timings as { first_sentence_ms: number; synthesis_ms: number; since_speech_end_ms: number };
      const replyTimings = end.timings as { duration_ms: number };
      if (audio.length > 1) expect(timings.first_sentence_ms).toBeLessThan(replyTimings.duration_ms);
      console.info(`[voice ws] transcript "${String(transcript.text)}"; vad ${JSON.stringify(transcript.timings)}; first audio ${JSON.stringify(timings)}; reply ${reply.length} chars in ${replyTimings.duration_ms} ms, ${audio.length} sentences spoken`);

      // The turn is stored as text, like a typed one.
      const messageStart = client.frames.find((f) => f.type === 'message-start')!;
      const stored = await test.app.inject({ method: 'GET', url: `/api/v1/conversations/${String(messageStart.session_id)}` });
      const messages = stored.json<{ messages: { role: string; content: string; status: string }[] }>().messages;
      expect(messages).toMatchObject([{ role: 'user', content: transcript.text, status: 'complete' }, { role: 'assistant', content: reply, status: end.status }]);

      // The state went listening → hearing → thinking → speaking.
      const states = client.frames.filter((f) => f.type === 'state').map((f) => f.state);
      expect(states.slice(0, 4)).toEqual(['listening', 'hearing', 'thinking', 'speaking']);
    } finally {
      await client.close();
    }
  });

  it('in commands mode starts a turn only after "Jarvis" and continues the same conversation', { timeout: 120_000 }, async () => {
    const client = await connectVoiceSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    try {
      client.send({ ...start, mode: 'commands', audio_format: 'mp3' });
      await client.waitFor((f) => f.type === 'ready');
      const [other, command] = await Promise.all([spokenSamples('The weather is nice today.'), spokenSamples('Jarvis, tell me a story.')]);
      await client.sendAudio(concatSamples(other, silence(1), command, silence(1)));
      const first = await client.waitFor((f) => f.type === 'transcript', 60_000, 'transcript');
      expect(first).toMatchObject({ text: '', action: 'ignored' });
      const second = await client.waitFor((f) => f.type === 'transcript' && f !== first, 60_000, 'second transcript');
      expect(second).toMatchObject({ text: 'jarvis tell me a story', action: 'turn' });
      await client.waitFor((f) => f.type === 'audio-end', 60_000, 'audio-end');
      const audio = client.frames.find((f) => f.type === 'audio')!;
      expect(audio).toMatchObject({ format: 'mp3', content_type: 'audio/mpeg' });
      const messageStart = client.frames.find((f) => f.type === 'message-start')!;
      const stored = await test.app.inject({ method: 'GET', url: `/api/v1/conversations/${String(messageStart.session_id)}` });
      // The wake word is not part of the message.
      expect(stored.json<{ messages: { role: string; content: string }[] }>().messages[0]).toMatchObject({ role: 'user', content: 'tell me a story' });
    } finally {
      await client.close();
    }
  });

  it('refuses audio before the start frame, odd-sized frames and invalid frames, and stays open', async () => {
    const client = await connectVoiceSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    try {
      await client.sendAudio(silence(0.1));
      await client.waitFor((f) => f.type === 'error' && String(f.message).includes('start frame'));
      client.send({ type: 'start', format: 'pcm16', sample_rate: 44_100 });
      await client.waitFor((f) => f.type === 'error' && String(f.message).includes('sample_rate'));
      client.send({ ...start });
      await client.waitFor((f) => f.type === 'ready');
      client.send({ ...start });
      await client.waitFor((f) => f.type === 'error' && String(f.message).includes('started already'));
      client.sendBinary(Buffer.alloc(3));
      await client.waitFor((f) => f.type === 'error' && String(f.message).includes('even number of bytes'));
      client.sendText('not json');
      await client.waitFor((f) => f.type === 'error' && f.code === 'INVALID_JSON');
      client.send({ type: 'dance' });
      await client.waitFor((f) => f.type === 'error' && f.code === 'VALIDATION_FAILED' && String(f.message).startsWith('Invalid frame'));
    } finally {
      await client.close();
    }
  });
});

describe('barge-in', () => {
  let llm: OpenAICompatibleTestServer;
  let test: TestApp;
  let url: string;
  beforeAll(async () => {
    // A reply of many sentences, a token every 40 ms: about eight seconds of writing.
    const sentence = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' dog', '.', ' '];
    llm = await startOpenAICompatibleTestServer({ models: ['slow-model'], chat: { tokens: Array.from({ length: 20 }, () => sentence).flat(), delayMs: 40 } });
    test = await startTestApp({ env: { OPENAI_BASE_URL: llm.baseURL, OUTBOUND_ALLOW_HOSTS: '127.0.0.1', PROVIDER_IDLE_TIMEOUT_MS: '5000' } });
    url = await test.listen();
  });
  afterAll(async () => {
    await test?.close();
    await llm?.close();
  });

  it('speech while the assistant talks stops the generation and tells the client to stop playing', { timeout: 120_000 }, async () => {
    const client = await connectVoiceSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    try {
      client.send({ ...start, model: 'slow-model' });
      await client.waitFor((f) => f.type === 'ready');
      await client.sendAudio(concatSamples(await spokenSamples('Tell me a story.'), silence(1)));
      const firstAudio = await client.waitFor((f) => f.type === 'audio', 60_000, 'the first audio');
      const messageId = firstAudio.message_id;

      // The user talks over the reply.
      await client.sendAudio(concatSamples(await spokenSamples('Stop, stop, that is enough.'), silence(1)), { realTime: true });
      const stop = await client.waitFor((f) => f.type === 'playback-stop', 30_000, 'playback-stop');
      expect(stop).toMatchObject({ message_id: messageId, reason: 'barge-in' });
      const end = await client.waitFor((f) => f.type === 'message-end' && f.message_id === messageId, 30_000, 'message-end');
      expect(end).toMatchObject({ status: 'interrupted', finish_reason: 'stopped' });
      // No audio of the stopped reply after the stop, and no audio-end for it.
      const stopIndex = client.frames.indexOf(stop);
      expect(client.frames.slice(stopIndex).filter((f) => f.type === 'audio' && f.message_id === messageId)).toEqual([]);
      expect(client.frames.some((f) => f.type === 'audio-end' && f.message_id === messageId)).toBe(false);

      // The interruption is stored as it was, and the new utterance becomes the next turn.
      await client.waitFor((f) => f.type === 'message-start' && f.message_id !== messageId, 60_000, 'the next turn');
      const sessionId = String(client.frames.find((f) => f.type === 'message-start')!.session_id);
      const stored = await test.app.inject({ method: 'GET', url: `/api/v1/conversations/${sessionId}` });
      const messages = stored.json<{ messages: { role: string; status: string }[] }>().messages;
      expect(messages[1]).toMatchObject({ role: 'assistant', status: 'interrupted' });
      expect(messages[2]).toMatchObject({ role: 'user' });
    } finally {
      await client.close();
    }
  });

  it('a stop frame does the same without speech', { timeout: 60_000 }, async () => {
    const client = await connectVoiceSocket(`${url.replace('http', 'ws')}/api/v1/voice/ws`);
    try {
      client.send({ ...start, model: 'slow-model' });
      await client.waitFor((f) => f.type === 'ready');
      await client.sendAudio(concatSamples(await spokenSamples('Tell me a story.'), silence(1)));
      const firstAudio = await client.waitFor((f) => f.type === 'audio', 60_000, 'the first audio');
      client.send({ type: 'stop' });
      expect(await client.waitFor((f) => f.type === 'playback-stop')).toMatchObject({ message_id: firstAudio.message_id, reason: 'stop' });
      expect(await client.waitFor((f) => f.type === 'message-end')).toMatchObject({ status: 'interrupted' });
    } finally {
      await client.close();
    }
  });
});
