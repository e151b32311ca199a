import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, eventStream, json, type Handler, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';
import { VOICE_SETTINGS_KEY } from './voice-settings';

setUpAppTests();

/** happy-dom has no microphone: a MediaRecorder that yields what the test gives it, when stopped. */
class FakeRecorder extends EventTarget {
  static made: FakeRecorder[] = [];
  static isTypeSupported = (type: string) => type === 'audio/webm;codecs=opus';
  state: 'inactive' | 'recording' = 'inactive';
  mimeType: string;
  constructor(public stream: FakeStream, options?: { mimeType?: string }) {
    super();
    this.mimeType = options?.mimeType ?? '';
    FakeRecorder.made.push(this);
  }
  start() {
    this.state = 'recording';
  }
  stop() {
    if (this.state !== 'recording') return;
    this.state = 'inactive';
    const data = Object.assign(new Event('dataavailable'), { data: new Blob([new Uint8Array([26, 69, 223, 163])], { type: this.mimeType }) });
    this.dispatchEvent(data);
    this.dispatchEvent(new Event('stop'));
  }
}

class FakeStream {
  track = { stopped: false, stop: () => { this.track.stopped = true; } };
  getTracks() {
    return [this.track];
  }
}

let getUserMedia: ReturnType<typeof vi.fn>;
beforeEach(() => {
  FakeRecorder.made = [];
  getUserMedia = vi.fn(async () => new FakeStream());
  vi.stubGlobal('MediaRecorder', FakeRecorder);
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia } });
});
afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

function app(transcribe: Handler, extra: Record<string, Handler> = {}) {
  return renderApp({ 'POST /api/v1/voice/demo/transcribe': transcribe, ...extra });
}

const transcript = (text: string) => () => json({ text, language: 'en', duration_s: 1.2, engine: 'pocketsphinx', word_count: text.split(' ').length });

describe('push-to-talk', () => {
  it('records while held, uploads webm/opus as `file`, and puts the text in the composer', async () => {
    const fake = app(transcript('what time is it'));
    const button = await screen.findByTestId('microphone-button');
    const now = vi.spyOn(Date, 'now').mockReturnValue(1000);
    fireEvent.pointerDown(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('recording'));
    expect(getUserMedia).toHaveBeenCalledWith({ audio: { echoCancellation: true, noiseSuppression: true } });
    expect(FakeRecorder.made[0]!.mimeType).toBe('audio/webm;codecs=opus');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    now.mockReturnValue(2000);
    fireEvent.pointerUp(button);
    await waitFor(() => expect((screen.getByTestId('message-input') as HTMLTextAreaElement).value).toBe('what time is it'));
    const upload = fake.requests.find((r) => r.path === '/api/v1/voice/demo/transcribe')!;
    const file = (upload.body as FormData).get('file') as File;
    expect(file.name).toBe('recording.webm');
    expect(file.type).toBe('audio/webm;codecs=opus');
    expect(FakeRecorder.made[0]!.stream.track.stopped).toBe(true);
    expect(fake.requests.some((r) => r.path === '/api/v1/chat/stream')).toBe(false);
    expect(button.getAttribute('data-phase')).toBe('idle');
  });

  it('toggles from the keyboard and sends on release when the settings say so', async () => {
    localStorage.setItem(VOICE_SETTINGS_KEY, JSON.stringify({ sendOnRelease: true }));
    const streams: ReturnType<typeof eventStream>[] = [];
    const fake = app(transcript('hello there'), {
      'POST /api/v1/chat/stream': (_request: RecordedRequest, signal) => {
        const stream = eventStream(signal);
        streams.push(stream);
        return stream.response;
      },
    });
    const button = await screen.findByTestId('microphone-button');
    fireEvent.click(button, { detail: 0 });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('recording'));
    fireEvent.click(button, { detail: 0 });
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(fake.requests.find((r) => r.path === '/api/v1/chat/stream')?.body).toEqual({ message: 'hello there' });
  });

  it('discards the recording on Escape', async () => {
    const fake = app(transcript('never'));
    const button = await screen.findByTestId('microphone-button');
    fireEvent.click(button, { detail: 0 });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('recording'));
    fireEvent.keyDown(button, { key: 'Escape' });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('idle'));
    expect(fake.requests.some((r) => r.path === '/api/v1/voice/demo/transcribe')).toBe(false);
    expect(FakeRecorder.made[0]!.stream.track.stopped).toBe(true);
  });

  it('explains a denied microphone and records nothing', async () => {
    getUserMedia.mockRejectedValue(new DOMException('Permission denied', 'NotAllowedError'));
    app(transcript('never'));
    fireEvent.click(await screen.findByTestId('microphone-button'), { detail: 0 });
    const notice = await screen.findByTestId('microphone-error');
    expect(notice.getAttribute('data-code')).toBe('MICROPHONE_DENIED');
    expect(notice.textContent).toContain('did not allow the microphone');
    expect(notice.textContent).toContain('Allow the microphone for this site');
    expect(FakeRecorder.made).toHaveLength(0);
  });

  it('shows the server\'s message and hint when it refuses the audio', async () => {
    app(() => apiError(400, 'UNSUPPORTED_AUDIO', 'The audio could not be decoded: truncated EBML header.', 'Send wav, webm/opus, ogg, mp3 or m4a.'));
    const button = await screen.findByTestId('microphone-button');
    fireEvent.click(button, { detail: 0 });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('recording'));
    act(() => void fireEvent.click(button, { detail: 0 }));
    const notice = await screen.findByTestId('microphone-error');
    expect(notice.getAttribute('data-code')).toBe('UNSUPPORTED_AUDIO');
    expect(notice.textContent).toContain('truncated EBML header');
    expect(notice.textContent).toContain('Send wav, webm/opus, ogg, mp3 or m4a.');
    expect((screen.getByTestId('message-input') as HTMLTextAreaElement).value).toBe('');
  });
});
