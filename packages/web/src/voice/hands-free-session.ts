/**
 * One hands-free conversation over GET /api/v1/voice/ws (protocol in contracts/voice.ts):
 * `start`, then microphone PCM as binary frames; the server's state, transcript and reply
 * text come back as JSON, each spoken sentence as an `audio` frame followed by its bytes,
 * played in order. `playback-stop` (barge-in) silences the reply and drops what is queued.
 */
import type { ShownError } from '../api/api-error';
import type { VoiceSocketServerFrame, VoiceSocketStartFrame, VoiceState } from '../api/types';
import { createAudioPlayer, type AudioPlayer, type Playback } from './audio-player';
import { microphoneError } from './microphone';
import { openMicrophoneStream, type MicrophoneStream } from './microphone-stream';
import { SOCKET_SAMPLE_RATE } from './pcm-downsampler';

export type HandsFreeStatus = 'connecting' | VoiceState | 'closed';

export interface HandsFreeSnapshot {
  status: HandsFreeStatus;
  /** What the user said last. */
  transcript: string;
  /** The reply to it so far. */
  reply: string;
  error: ShownError | undefined;
  sessionId: string | null;
}

export interface HandsFreeOptions {
  url: string;
  start: Omit<VoiceSocketStartFrame, 'type' | 'format' | 'sample_rate'>;
  onChange(snapshot: HandsFreeSnapshot): void;
  /** A turn is stored in the conversation (after `message-end`). */
  onTurnStored(sessionId: string): void;
}

export interface HandsFreeSession {
  /** Stop the reply being generated and spoken; the conversation goes on listening. */
  stopReply(): void;
  close(): void;
}

type ChatFrame = { type: 'message-start'; session_id?: string; message_id: string } | { type: 'text-delta'; text: string } | { type: 'message-end' };
type ServerFrame = VoiceSocketServerFrame | ChatFrame | { type: string };

export function startHandsFree(options: HandsFreeOptions): HandsFreeSession {
  let snapshot: HandsFreeSnapshot = { status: 'connecting', transcript: '', reply: '', error: undefined, sessionId: options.start.session_id ?? null };
  let microphone: MicrophoneStream | undefined;
  let closed = false;
  let expectedAudio: { content_type: string } | undefined;
  const queue: Blob[] = [];
  let player: AudioPlayer | undefined;
  /** The sentence being played (or decoded: `sound` not there yet). */
  let playing: { sound?: Playback } | undefined;
  let replyAudioEnded = false;

  const update = (change: Partial<HandsFreeSnapshot>) => {
    snapshot = { ...snapshot, ...change };
    options.onChange(snapshot);
  };

  options.onChange(snapshot);
  // Made now, inside the click that turned the mode on, so the browser lets it play later.
  try {
    player = createAudioPlayer();
  } catch {
    player = undefined;
  }
  const socket = new WebSocket(options.url);
  socket.binaryType = 'arraybuffer';
  const send = (frame: object) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  };

  const stopPlayback = () => {
    queue.length = 0;
    playing?.sound?.stop();
    playing = undefined;
    expectedAudio = undefined;
  };

  const playNext = () => {
    if (playing || closed) return;
    const audio = queue.shift();
    if (!audio) {
      // Everything received is played: the barge-in window can end early.
      if (replyAudioEnded) {
        replyAudioEnded = false;
        send({ type: 'playback-end' });
      }
      return;
    }
    const current: { sound?: Playback } = {};
    playing = current;
    const next = () => {
      if (playing !== current) return;
      playing = undefined;
      playNext();
    };
    Promise.resolve().then(() => (player ??= createAudioPlayer()).play(audio)).then((sound) => {
      if (playing !== current) {
        sound.stop();
        return;
      }
      current.sound = sound;
      void sound.finished.then(next);
    }, (error: unknown) => {
      // A sentence that cannot be decoded is skipped; the rest still play.
      update({ error: { code: 'AUDIO_PLAYBACK_FAILED', message: `A spoken sentence could not be played: ${error instanceof Error ? error.message : String(error)}`, hint: 'Choose another reply format (wav plays everywhere).' } });
      next();
    });
  };

  const onFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case 'ready': {
        const ready = frame as Extract<VoiceSocketServerFrame, { type: 'ready' }>;
        update({ sessionId: ready.session_id ?? snapshot.sessionId, status: 'listening' });
        openMicrophoneStream((pcm) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(pcm);
        }).then((stream) => {
          if (closed) stream.close();
          else microphone = stream;
        }, (error: unknown) => {
          update({ error: microphoneError(error) });
          close();
        });
        return;
      }
      case 'state':
        update({ status: (frame as { state: VoiceState }).state });
        return;
      case 'transcript': {
        const transcript = frame as Extract<VoiceSocketServerFrame, { type: 'transcript' }>;
        if (transcript.action === 'turn') update({ transcript: transcript.text, reply: '', error: undefined });
        return;
      }
      case 'message-start': {
        const start = frame as Extract<ChatFrame, { type: 'message-start' }>;
        update({ reply: '', ...(start.session_id ? { sessionId: start.session_id } : {}) });
        return;
      }
      case 'text-delta':
        update({ reply: snapshot.reply + (frame as { text: string }).text });
        return;
      case 'message-end':
        if (snapshot.sessionId) options.onTurnStored(snapshot.sessionId);
        return;
      case 'audio':
        replyAudioEnded = false;
        expectedAudio = { content_type: (frame as { content_type: string }).content_type };
        return;
      case 'audio-end':
        replyAudioEnded = true;
        playNext();
        return;
      case 'playback-stop':
        replyAudioEnded = false;
        stopPlayback();
        return;
      case 'error': {
        const error = frame as Extract<VoiceSocketServerFrame, { type: 'error' }>;
        update({ error: { code: error.code, message: error.message, hint: error.hint, requestId: error.request_id } });
        return;
      }
      default:
        // Chat events the panel does not show (tool calls, limits) and newer kinds.
    }
  };

  socket.addEventListener('open', () => {
    send({ type: 'start', format: 'pcm16', sample_rate: SOCKET_SAMPLE_RATE, ...options.start } satisfies VoiceSocketStartFrame);
  });
  socket.addEventListener('message', (event: MessageEvent) => {
    if (typeof event.data === 'string') {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      onFrame(frame);
      return;
    }
    // The bytes of the `audio` frame just before; anything else is not ours to play.
    if (!expectedAudio) return;
    const blob = new Blob([event.data as ArrayBuffer], { type: expectedAudio.content_type });
    expectedAudio = undefined;
    queue.push(blob);
    update({ status: 'speaking' });
    playNext();
  });
  socket.addEventListener('close', (event: CloseEvent) => {
    if (closed) return;
    const unexpected = event.code !== 1000;
    finish();
    if (unexpected && !snapshot.error) {
      update({ error: { code: 'VOICE_SOCKET_CLOSED', message: `The hands-free connection closed${event.reason ? `: ${event.reason}` : ''} (code ${event.code}).`, hint: 'Check that the server is up and voice is configured (Status page), then turn hands-free on again.' } });
    }
  });

  function finish() {
    closed = true;
    microphone?.close();
    microphone = undefined;
    stopPlayback();
    player?.close();
    player = undefined;
    update({ status: 'closed' });
  }

  function close() {
    if (closed) return;
    finish();
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000, 'hands-free off');
  }

  return {
    stopReply() {
      stopPlayback();
      send({ type: 'stop' });
    },
    close,
  };
}
