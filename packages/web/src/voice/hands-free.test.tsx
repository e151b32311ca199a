import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';
import { VOICE_SETTINGS_KEY } from './voice-settings';
import { FakeAudioContext } from '../test/fake-web-audio';

setUpAppTests();

/** A WebSocket the test plays the server's side of; it records every frame the client sends. */
class FakeSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static made: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: (string | ArrayBuffer)[] = [];
  closedWith: number | undefined;
  constructor(public url: string) {
    super();
    FakeSocket.made.push(this);
  }
  send(data: string | ArrayBuffer) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = FakeSocket.CLOSED;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  receive(data: object | ArrayBuffer) {
    this.dispatchEvent(new MessageEvent('message', { data: data instanceof ArrayBuffer ? data : JSON.stringify(data) }));
  }
  drop(code: number, reason: string) {
    this.readyState = FakeSocket.CLOSED;
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason }));
  }
  json() {
    return this.sent.filter((frame): frame is string => typeof frame === 'string').map((frame) => JSON.parse(frame) as Record<string, unknown>);
  }
}

const track = { stopped: false, stop() { this.stopped = true; } };
let getUserMedia: ReturnType<typeof vi.fn>;
beforeEach(() => {
  FakeSocket.made = [];
  FakeAudioContext.reset();
  track.stopped = false;
  getUserMedia = vi.fn(async () => ({ getTracks: () => [track] }));
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('AudioContext', FakeAudioContext);
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia } });
});
afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

const status = () => screen.getByTestId('hands-free-status').textContent;

async function turnOn() {
  const fake = renderApp({
    'GET /api/v1/conversations/conv-9': () => json({ id: 'conv-9', title: 'Spoken', created_at: 1, updated_at: 1, messages: [] }),
  });
  fireEvent.click(await screen.findByRole('button', { name: /Turn hands-free mode on/ }));
  const socket = FakeSocket.made[0]!;
  return { fake, socket };
}

describe('hands-free mode', () => {
  it('starts the conversation per the protocol and streams the microphone as PCM16 16 kHz', async () => {
    localStorage.setItem(VOICE_SETTINGS_KEY, JSON.stringify({ voice: 'en-gb', speed: 1.25 }));
    const { socket } = await turnOn();
    expect(socket.url).toBe(`ws://${location.host}/api/v1/voice/ws`);
    expect(socket.binaryType).toBe('arraybuffer');
    expect(status()).toBe('Connecting…');
    act(() => socket.open());
    expect(socket.json()).toEqual([{ type: 'start', format: 'pcm16', sample_rate: 16000, voice: 'en-gb', speed: 1.25, mode: 'conversation', barge_in: true }]);
    expect(getUserMedia).not.toHaveBeenCalled();
    act(() => socket.receive({ type: 'ready', session_id: null, sample_rate: 16000, mode: 'conversation', stt: 'pocketsphinx', tts: 'espeak-ng', voice: 'en-gb', audio_format: 'wav' }));
    await waitFor(() => expect(FakeAudioContext.made).toHaveLength(2));
    expect(status()).toBe('Listening');
    expect(getUserMedia.mock.calls[0]![0]).toMatchObject({ audio: { echoCancellation: true } });
    FakeAudioContext.made[1]!.feed([0.5, 0.5, 0.5, -1, -1, -1]);
    const frame = socket.sent.at(-1) as ArrayBuffer;
    expect(Array.from(new Int16Array(frame))).toEqual([16384, -32768]);
  });

  it('shows the states, the transcript and the reply, plays each sentence in order, and stores the turn', async () => {
    const { fake, socket } = await turnOn();
    act(() => socket.open());
    act(() => socket.receive({ type: 'ready', session_id: null, sample_rate: 16000, mode: 'conversation', stt: 's', tts: 't', voice: 'v', audio_format: 'wav' }));
    act(() => socket.receive({ type: 'state', state: 'hearing' }));
    expect(status()).toBe('Hearing you');
    act(() => {
      socket.receive({ type: 'transcript', text: 'what time is it', language: 'en', duration_s: 1, engine: 's', action: 'turn', timings: { vad_ms: 1, transcription_ms: 1, transcription_wait_ms: 0 } });
      socket.receive({ type: 'state', state: 'thinking' });
      socket.receive({ type: 'message-start', session_id: 'conv-9', message_id: 'm1', user_message_id: 'u1', model: 'm', provider: 'p' });
      socket.receive({ type: 'text-delta', text: 'It is nine. ' });
    });
    expect(status()).toBe('Thinking');
    expect(screen.getByTestId('hands-free-transcript').textContent).toContain('what time is it');
    expect(screen.getByTestId('hands-free-reply').textContent).toContain('It is nine.');
    act(() => {
      socket.receive({ type: 'audio', message_id: 'm1', index: 0, text: 'It is nine.', format: 'wav', content_type: 'audio/wav', bytes: 4, duration_s: 0.5 });
      socket.receive(new Uint8Array([1, 2, 3, 4]).buffer);
      socket.receive({ type: 'state', state: 'speaking' });
      socket.receive({ type: 'text-delta', text: 'Good night.' });
      socket.receive({ type: 'audio', message_id: 'm1', index: 1, text: 'Good night.', format: 'wav', content_type: 'audio/wav', bytes: 4, duration_s: 0.5 });
      socket.receive(new Uint8Array([5, 6, 7, 8]).buffer);
      socket.receive({ type: 'message-end', message_id: 'm1', status: 'complete' });
      socket.receive({ type: 'audio-end', message_id: 'm1', count: 2 });
    });
    expect(status()).toBe('Speaking');
    // One sentence at a time: the second waits for the first to end.
    await waitFor(() => expect(FakeAudioContext.sounds.map((sound) => sound.buffer)).toEqual([{ bytes: [1, 2, 3, 4] }]));
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/api/v1/conversations/conv-9')).toBe(true));
    act(() => FakeAudioContext.sounds[0]!.finish());
    await waitFor(() => expect(FakeAudioContext.sounds.map((sound) => sound.buffer)).toEqual([{ bytes: [1, 2, 3, 4] }, { bytes: [5, 6, 7, 8] }]));
    expect(socket.json().some((frame) => frame.type === 'playback-end')).toBe(false);
    act(() => FakeAudioContext.sounds[1]!.finish());
    await waitFor(() => expect(socket.json().at(-1)).toEqual({ type: 'playback-end' }));
  });

  it('stops playback and drops queued audio on barge-in', async () => {
    const { socket } = await turnOn();
    act(() => socket.open());
    act(() => {
      socket.receive({ type: 'audio', message_id: 'm1', index: 0, text: 'One.', format: 'wav', content_type: 'audio/wav', bytes: 1, duration_s: 0.2 });
      socket.receive(new Uint8Array([1]).buffer);
      socket.receive({ type: 'audio', message_id: 'm1', index: 1, text: 'Two.', format: 'wav', content_type: 'audio/wav', bytes: 1, duration_s: 0.2 });
      socket.receive(new Uint8Array([2]).buffer);
    });
    await waitFor(() => expect(FakeAudioContext.sounds[0]?.started).toBe(true));
    act(() => socket.receive({ type: 'playback-stop', message_id: 'm1', reason: 'barge-in' }));
    expect(FakeAudioContext.sounds[0]!.stopped).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(FakeAudioContext.sounds).toHaveLength(1);
    // The next reply's first sentence plays next, not the dropped one.
    act(() => {
      socket.receive({ type: 'audio', message_id: 'm2', index: 0, text: 'Three.', format: 'wav', content_type: 'audio/wav', bytes: 1, duration_s: 0.2 });
      socket.receive(new Uint8Array([3]).buffer);
    });
    await waitFor(() => expect(FakeAudioContext.sounds.map((sound) => sound.buffer)).toEqual([{ bytes: [1] }, { bytes: [3] }]));
  });

  it('sends stop from the Stop reply button, and closes everything when turned off', async () => {
    const { socket } = await turnOn();
    act(() => socket.open());
    act(() => socket.receive({ type: 'ready', session_id: null, sample_rate: 16000, mode: 'conversation', stt: 's', tts: 't', voice: 'v', audio_format: 'wav' }));
    await waitFor(() => expect(FakeAudioContext.made).toHaveLength(2));
    act(() => socket.receive({ type: 'state', state: 'thinking' }));
    fireEvent.click(screen.getByTestId('hands-free-stop'));
    expect(socket.json().at(-1)).toEqual({ type: 'stop' });
    fireEvent.click(screen.getByRole('button', { name: 'Turn hands-free mode off' }));
    expect(socket.closedWith).toBe(1000);
    expect(track.stopped).toBe(true);
    expect(FakeAudioContext.made.every((context) => context.closed)).toBe(true);
    expect(screen.getByTestId('hands-free-toggle').getAttribute('aria-pressed')).toBe('false');
  });

  it('shows error frames with their hint, and a denied microphone ends the mode', async () => {
    getUserMedia.mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    const { socket } = await turnOn();
    act(() => socket.open());
    act(() => socket.receive({ type: 'error', code: 'VOICE_UNAVAILABLE', message: 'No speech recogniser.', hint: 'Install pocketsphinx.' }));
    expect(screen.getByTestId('hands-free-error').textContent).toContain('Install pocketsphinx.');
    act(() => socket.receive({ type: 'ready', session_id: null, sample_rate: 16000, mode: 'conversation', stt: 's', tts: 't', voice: 'v', audio_format: 'wav' }));
    await waitFor(() => expect(screen.getByTestId('hands-free-error').getAttribute('data-code')).toBe('MICROPHONE_DENIED'));
    expect(socket.closedWith).toBe(1000);
    expect(screen.getByTestId('hands-free-toggle').getAttribute('aria-pressed')).toBe('false');
  });

  it('explains a connection that closes unexpectedly', async () => {
    const { socket } = await turnOn();
    act(() => socket.drop(4401, 'credential revoked'));
    expect(screen.getByTestId('hands-free-error').textContent).toContain('credential revoked');
    expect(screen.getByTestId('hands-free-toggle').getAttribute('aria-pressed')).toBe('false');
  });
});
