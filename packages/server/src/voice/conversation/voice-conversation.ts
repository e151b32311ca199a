/**
 * The hands-free conversation loop, independent of its transport: microphone audio in,
 * voice-activity detection, a transcript at each end of utterance, a chat turn (stored as
 * text like any other), and the reply spoken sentence by sentence while it is still being
 * written. Speech during the reply (barge-in) stops the generation and the playback.
 * The protocol is described in `@sutazai/contracts` (voice.ts).
 */
import type { ChatStreamEvent, VoiceAudioFormat, VoiceSocketServerFrame, VoiceSocketStartFrame, VoiceState } from '@sutazai/contracts';
import type { ChatService } from '../../chat/chat-service.js';
import { AppError } from '../../errors/catalogue.js';
import type { Logger } from '../../logger.js';
import { samplesToWav } from '../audio/wav.js';
import { matchCommand } from '../commands.js';
import type { SpeechToText, Transcript } from '../speech-to-text.js';
import type { TextToSpeech } from '../text-to-speech.js';
import { createUtteranceDetector, DEFAULT_ENDPOINT, type UtteranceDetector, type UtteranceEvent } from '../vad/utterance-detector.js';
import type { VoiceActivityDetector } from '../vad/voice-activity.js';
import { createSentenceSplitter, speakableText } from './sentence-splitter.js';

export type ConversationChat = Pick<ChatService, 'startTurn' | 'subscribe' | 'stop'>;

export interface VoiceConversationSink {
  /** A JSON frame, and the binary frame that must follow it directly. */
  send(frame: VoiceSocketServerFrame | ChatStreamEvent, binary?: Buffer): void;
}

export interface VoiceConversation {
  start(frame: VoiceSocketStartFrame): Promise<void>;
  /** 16-bit little-endian PCM at 16 kHz. Throws AppError when it cannot be taken. */
  audio(chunk: Buffer): void;
  endUtterance(): void;
  stop(): void;
  playbackEnded(): void;
  close(): void;
}

export interface VoiceConversationOptions {
  ownerId: string;
  chat: ConversationChat;
  sink: VoiceConversationSink;
  logger: Pick<Logger, 'warn' | 'error'>;
  engines: { stt: SpeechToText; tts: TextToSpeech; vad: VoiceActivityDetector };
  transcribe(wav: Buffer, options: { language?: string | undefined; mode?: 'dictation' | 'commands'; signal?: AbortSignal }): Promise<Transcript & { engine: string }>;
  synthesize(text: string, options: { voice?: string | undefined; speed?: number | undefined; format: VoiceAudioFormat; signal?: AbortSignal }): Promise<{ audio: Buffer; contentType: string; durationS: number; voice: string }>;
  defaults: { silenceMs: number; maxUtteranceS: number };
}

const SAMPLE_RATE = 16_000;
/** Audio accepted but not yet run through the detector: beyond this the client is sending faster than real time for too long. */
const MAX_QUEUED_SAMPLES = SAMPLE_RATE * 60;

interface TimedTranscript {
  transcript: Transcript & { engine: string };
  startedAt: number;
  finishedAt: number;
}

/** A transcription begun at a pause, before the end of the utterance was decided. */
interface EarlyTranscription {
  endS: number;
  controller: AbortController;
  /** Undefined when it failed: the utterance is then transcribed afresh. */
  result: Promise<TimedTranscript | undefined>;
}

interface Reply {
  messageId: string | undefined;
  controller: AbortController;
  generating: boolean;
  stopped: boolean;
  /** Wall time (performance.now) at which the client will have played what it was sent. */
  playbackEndsAt: number;
  playbackEnded: boolean;
  done: Promise<void>;
}

export function createVoiceConversation(options: VoiceConversationOptions): VoiceConversation {
  const { ownerId, chat, sink, logger } = options;
  let settings: VoiceSocketStartFrame | undefined;
  let detector: UtteranceDetector | undefined;
  let sessionId: string | undefined;
  let vadChain: Promise<void> = Promise.resolve();
  let utteranceChain: Promise<void> = Promise.resolve();
  let queuedSamples = 0;
  let receivedSamples = 0;
  /** When each received chunk ended (sample count) and arrived: to time the detector from the last speech sample. */
  const arrivals: { endSample: number; at: number }[] = [];
  let reply: Reply | undefined;
  let state: VoiceState | undefined;
  let closed = false;
  let stateTimer: NodeJS.Timeout | undefined;
  let early: EarlyTranscription | undefined;

  const send: VoiceConversationSink['send'] = (frame, binary) => {
    if (!closed) sink.send(frame, binary);
  };
  const setState = (next: VoiceState) => {
    if (state === next) return;
    state = next;
    send({ type: 'state', state: next });
  };
  const report = (error: unknown) => {
    const appError = error instanceof AppError ? error : new AppError('INTERNAL_ERROR', undefined, { cause: error });
    if (appError.status >= 500 && appError.code !== 'VOICE_ENGINE_UNAVAILABLE') logger.error({ err: error }, 'voice conversation failed');
    send({ type: 'error', code: appError.code, message: appError.message, hint: appError.hint });
  };

  const isSpeaking = (): boolean => {
    if (!reply || reply.stopped) return false;
    return reply.generating || (!reply.playbackEnded && performance.now() < reply.playbackEndsAt);
  };

  /** Stops the reply being generated and spoken, and tells the client to stop playing it. */
  function interrupt(reason: 'barge-in' | 'stop' | 'command'): void {
    const current = reply;
    if (current && !current.stopped) {
      current.stopped = true;
      current.controller.abort();
      if (current.generating && current.messageId) chat.stop(ownerId, current.messageId);
    }
    send({ type: 'playback-stop', message_id: current?.messageId ?? null, reason });
  }

  function arrivalOf(sample: number): number {
    const found = arrivals.find((entry) => entry.endSample >= sample);
    return found?.at ?? performance.now();
  }

  async function processAudio(samples: Int16Array): Promise<void> {
    const events = await detector!.push(samples);
    queuedSamples -= samples.length;
    for (const event of events) handleEvent(event);
  }

  const transcribe = async (audio: Int16Array, signal?: AbortSignal): Promise<TimedTranscript> => {
    const startedAt = performance.now();
    const transcript = await options.transcribe(samplesToWav(audio, SAMPLE_RATE), {
      language: settings?.language, mode: settings?.mode === 'commands' ? 'commands' : 'dictation', ...(signal ? { signal } : {}),
    });
    return { transcript, startedAt, finishedAt: performance.now() };
  };

  function dropEarly(): void {
    early?.controller.abort();
    early = undefined;
  }

  function handleEvent(event: UtteranceEvent): void {
    if (event.type === 'speech-pause') {
      // The recogniser starts during the silence that may end the utterance; if the user goes
      // on talking it is stopped, if the utterance ends here its transcript is ready sooner.
      dropEarly();
      const controller = new AbortController();
      early = {
        endS: event.endS, controller,
        // Aborted when the user talks on: expected. Any other failure is logged, and the end of the utterance transcribes afresh.
        result: transcribe(event.audio, controller.signal).catch((error: unknown) => {
          if (!controller.signal.aborted) logger.warn({ err: error }, 'the transcription begun at a pause failed; transcribing the utterance again');
          return undefined;
        }),
      };
      return;
    }
    if (event.type === 'speech-resume') {
      dropEarly();
      return;
    }
    if (event.type === 'speech-start') {
      send({ type: 'speech-start', at_s: round(event.atS) });
      if (settings?.barge_in !== false && isSpeaking()) interrupt('barge-in');
      setState('hearing');
      return;
    }
    const decidedAt = performance.now();
    const vadMs = decidedAt - arrivalOf(Math.round(event.endS * SAMPLE_RATE));
    // The same end as the pause: the early transcription is of exactly this audio.
    const begun = early && early.endS === event.endS ? early : undefined;
    if (!begun) dropEarly();
    early = undefined;
    send({ type: 'speech-end', at_s: round(event.endS), duration_s: round(event.audio.length / SAMPLE_RATE) });
    setState('thinking');
    utteranceChain = utteranceChain.then(() => handleUtterance(event.audio, vadMs, decidedAt, begun)).catch((error: unknown) => {
      report(error);
      setState('listening');
    });
  }

  async function handleUtterance(audio: Int16Array, vadMs: number, decidedAt: number, begun: EarlyTranscription | undefined): Promise<void> {
    // The previous reply ends first (barge-in has stopped it already), so turns stay in order.
    if (reply) await reply.done;
    const mode = settings?.mode ?? 'conversation';
    const { transcript, startedAt, finishedAt } = (await begun?.result) ?? await transcribe(audio);
    const transcriptionMs = finishedAt - startedAt;
    const waitedMs = Math.max(0, finishedAt - decidedAt);
    const text = transcript.text.trim();
    let action: 'turn' | 'ignored' | 'stop' = text ? 'turn' : 'ignored';
    let message = text;
    if (text && mode === 'commands') {
      const match = matchCommand(text);
      action = !match.wake || !match.rest ? 'ignored' : match.stop ? 'stop' : 'turn';
      message = match.rest;
    }
    send({
      type: 'transcript', text, language: transcript.language, duration_s: round(transcript.durationS), engine: transcript.engine, action,
      timings: { vad_ms: round(vadMs), transcription_ms: round(transcriptionMs), transcription_wait_ms: round(waitedMs) },
    });
    if (action === 'stop') interrupt('command');
    if (action !== 'turn') {
      if (!isSpeaking()) setState('listening');
      return;
    }
    await runReply(message, decidedAt);
  }

  async function runReply(message: string, decidedAt: number): Promise<void> {
    let finish!: () => void;
    const current: Reply = {
      messageId: undefined, controller: new AbortController(), generating: true, stopped: false, playbackEndsAt: 0, playbackEnded: false,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    reply = current;
    try {
      const requestedAt = performance.now();
      const turn = await chat.startTurn({ ownerId, message, sessionId, agent: settings?.agent, model: settings?.model, maxTokens: settings?.max_tokens });
      sessionId = turn.sessionId;
      current.messageId = turn.messageId;
      // Interrupted while the turn was starting.
      if (current.stopped) chat.stop(ownerId, turn.messageId);
      await speakReply(current, turn.messageId, requestedAt, decidedAt);
    } catch (error) {
      report(error);
    } finally {
      current.generating = false;
      finish();
      scheduleListening(current);
    }
  }

  async function speakReply(current: Reply, messageId: string, requestedAt: number, decidedAt: number): Promise<void> {
    const splitter = createSentenceSplitter();
    const format = settings?.audio_format ?? 'wav';
    let index = 0;
    let sending: Promise<void> = Promise.resolve();
    const speak = (sentence: string) => {
      const text = speakableText(sentence);
      if (!text || current.stopped) return;
      const position = index++;
      const readyAt = performance.now();
      // Synthesis starts now; sending waits for the sentences before it.
      const job = options.synthesize(text, { voice: settings?.voice, speed: settings?.speed, format, signal: current.controller.signal });
      job.catch(() => undefined);
      sending = sending.then(async () => {
        if (current.stopped) return;
        let speech;
        try {
          speech = await job;
        } catch (error) {
          if (!current.stopped) {
            report(error);
            // One failed sentence would fail them all (a missing voice, a stopped engine): stop speaking this reply.
            current.stopped = true;
            current.controller.abort();
          }
          return;
        }
        if (current.stopped) return;
        const now = performance.now();
        current.playbackEndsAt = Math.max(current.playbackEndsAt, now) + speech.durationS * 1000;
        setState('speaking');
        send({
          type: 'audio', message_id: messageId, index: position, text, format, content_type: speech.contentType, bytes: speech.audio.length, duration_s: round(speech.durationS),
          ...(position === 0 ? { timings: { first_sentence_ms: round(readyAt - requestedAt), synthesis_ms: round(now - readyAt), since_speech_end_ms: round(now - decidedAt) } } : {}),
        }, speech.audio);
      });
    };

    await new Promise<void>((resolve) => {
      let ended = false;
      let subscription: { unsubscribe(): void } | undefined;
      const end = () => {
        if (ended) return;
        ended = true;
        subscription?.unsubscribe();
        current.controller.signal.removeEventListener('abort', onClose);
        resolve();
      };
      // Closing the socket stops listening to the reply (the chat service decides about the generation).
      const onClose = () => {
        if (closed) end();
      };
      current.controller.signal.addEventListener('abort', onClose);
      void chat.subscribe(ownerId, { messageId, seq: undefined, offset: 0 }, (stored) => {
        if (ended) return;
        const event = stored.event;
        send(event);
        if (event.type === 'text-delta') {
          for (const sentence of splitter.push(event.text)) speak(sentence);
        } else if (event.type === 'message-end' || event.type === 'error') {
          current.generating = false;
          const rest = splitter.flush();
          if (rest) speak(rest);
          end();
        }
      }).then((result) => {
        if (!result || result.ended) end();
        else if (ended) result.unsubscribe();
        else subscription = result;
      }, (error: unknown) => {
        report(error);
        end();
      });
    });
    current.generating = false;
    await sending;
    if (!current.stopped) send({ type: 'audio-end', message_id: messageId, count: index });
  }

  /** Back to `listening` once the client has played the reply. */
  function scheduleListening(current: Reply): void {
    clearTimeout(stateTimer);
    const wait = Math.max(0, current.playbackEndsAt - performance.now());
    stateTimer = setTimeout(() => {
      if (reply === current && !isSpeaking() && state !== 'hearing') setState('listening');
    }, wait);
    stateTimer.unref();
  }

  return {
    async start(frame) {
      if (settings) throw new AppError('VALIDATION_FAILED', 'The conversation has started already; send audio frames.');
      const stream = await options.engines.vad.open().catch((error: unknown) => {
        throw new AppError('VOICE_ENGINE_UNAVAILABLE', `Voice activity detection could not start: ${(error as Error).message}`);
      });
      detector = createUtteranceDetector(stream, { ...DEFAULT_ENDPOINT, silenceMs: frame.silence_ms ?? options.defaults.silenceMs, maxUtteranceS: options.defaults.maxUtteranceS });
      settings = frame;
      sessionId = frame.session_id;
      send({
        type: 'ready', session_id: frame.session_id ?? null, sample_rate: SAMPLE_RATE, mode: frame.mode ?? 'conversation',
        stt: options.engines.stt.id, tts: options.engines.tts.id, voice: frame.voice ?? options.engines.tts.defaultVoice, audio_format: frame.audio_format ?? 'wav',
      });
      setState('listening');
    },

    audio(chunk) {
      if (!detector) throw new AppError('VALIDATION_FAILED', 'Send a start frame before audio: {"type":"start","format":"pcm16","sample_rate":16000}.');
      if (chunk.length % 2 !== 0) throw new AppError('VALIDATION_FAILED', 'Audio frames are 16-bit samples: an even number of bytes.');
      if (queuedSamples + chunk.length / 2 > MAX_QUEUED_SAMPLES) throw new AppError('RATE_LIMITED', 'Audio arrives much faster than real time; send it as it is recorded.');
      const samples = new Int16Array(chunk.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = chunk.readInt16LE(i * 2);
      receivedSamples += samples.length;
      queuedSamples += samples.length;
      arrivals.push({ endSample: receivedSamples, at: performance.now() });
      // Keep a minute of arrival times: enough for the longest utterance and its silence.
      while (arrivals.length > 0 && arrivals[0]!.endSample < receivedSamples - MAX_QUEUED_SAMPLES - SAMPLE_RATE * options.defaults.maxUtteranceS) arrivals.shift();
      vadChain = vadChain.then(() => processAudio(samples)).catch(report);
    },

    endUtterance() {
      vadChain = vadChain.then(() => {
        const event = detector?.flush();
        if (event) handleEvent(event);
      });
    },

    stop() {
      interrupt('stop');
      if (state !== 'hearing') setState('listening');
    },

    playbackEnded() {
      if (reply) reply.playbackEnded = true;
      if (!isSpeaking() && state === 'speaking') setState('listening');
    },

    close() {
      closed = true;
      dropEarly();
      clearTimeout(stateTimer);
      reply?.controller.abort();
    },
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
