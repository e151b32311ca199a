import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, eventStream, json, type Handler, type RecordedRequest } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';
import { speakable } from './speak-button';
import { VOICE_SETTINGS_KEY } from './voice-settings';
import { FakeAudioContext } from '../test/fake-web-audio';

setUpAppTests();

beforeEach(() => {
  FakeAudioContext.reset();
  vi.stubGlobal('AudioContext', FakeAudioContext);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const end = { message_id: 'msg-1', status: 'complete', finish_reason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 5 }, timings: { time_to_first_token_ms: 10, duration_ms: 50, tokens_per_second: 5 } };

async function replyWith(text: string, synthesize: Handler) {
  const streams: ReturnType<typeof eventStream>[] = [];
  const fake = renderApp({
    'POST /api/v1/chat/stream': (_request: RecordedRequest, signal) => {
      const stream = eventStream(signal);
      streams.push(stream);
      return stream.response;
    },
    'POST /api/v1/voice/demo/synthesize': synthesize,
  });
  const input = await screen.findByTestId('message-input');
  fireEvent.change(input, { target: { value: 'Hello' } });
  fireEvent.keyDown(input, { key: 'Enter' });
  await waitFor(() => expect(streams).toHaveLength(1));
  act(() => {
    streams[0]!.send('message-start', { session_id: 'conv-1', message_id: 'msg-1', user_message_id: 'u1', model: 'm', provider: 'p' });
    streams[0]!.send('text-delta', { text });
    streams[0]!.send('message-end', end);
    streams[0]!.close();
  });
  return fake;
}

describe('Play on a reply', () => {
  it('speaks the reply with the stored voice and speed, plays the bytes, and stops', async () => {
    localStorage.setItem(VOICE_SETTINGS_KEY, JSON.stringify({ voice: 'en-gb', speed: 1.5 }));
    const fake = await replyWith('It is **nine** o\'clock.', () => new Response(new Blob([new Uint8Array([82, 73, 70, 70])]), { headers: { 'content-type': 'audio/wav' } }));
    const play = await screen.findByRole('button', { name: 'Read this reply aloud' });
    fireEvent.click(play);
    await waitFor(() => expect(FakeAudioContext.sounds).toHaveLength(1));
    const request = fake.requests.find((r) => r.path === '/api/v1/voice/demo/synthesize')!;
    expect(request.body).toEqual({ text: 'It is nine o\'clock.', voice: 'en-gb', speed: 1.5 });
    expect(request.headers.accept).toBe('audio/*');
    const sound = FakeAudioContext.sounds[0]!;
    expect(sound.buffer).toEqual({ bytes: [82, 73, 70, 70] });
    expect(sound.started).toBe(true);
    const stop = screen.getByRole('button', { name: 'Stop reading aloud' });
    expect(stop.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(stop);
    expect(sound.stopped).toBe(true);
    expect(FakeAudioContext.made[0]!.closed).toBe(true);
    expect(screen.getByTestId('speak-button').getAttribute('data-phase')).toBe('idle');
  });

  it('goes back to Play when the audio ends', async () => {
    await replyWith('Done.', () => new Response(new Blob([new Uint8Array([1])]), { headers: { 'content-type': 'audio/wav' } }));
    fireEvent.click(await screen.findByRole('button', { name: 'Read this reply aloud' }));
    await waitFor(() => expect(screen.getByTestId('speak-button').getAttribute('data-phase')).toBe('playing'));
    act(() => FakeAudioContext.sounds[0]!.finish());
    await waitFor(() => expect(screen.getByTestId('speak-button').getAttribute('data-phase')).toBe('idle'));
    expect(FakeAudioContext.made[0]!.closed).toBe(true);
  });

  it('shows the server\'s message and hint when speech fails', async () => {
    await replyWith('Hi.', () => apiError(503, 'VOICE_UNAVAILABLE', 'espeak-ng is not installed.', 'Install espeak-ng or set TTS_URL.'));
    fireEvent.click(await screen.findByRole('button', { name: 'Read this reply aloud' }));
    const notice = await screen.findByTestId('speak-error');
    expect(notice.textContent).toContain('espeak-ng is not installed.');
    expect(notice.textContent).toContain('Install espeak-ng or set TTS_URL.');
    expect(FakeAudioContext.sounds).toHaveLength(0);
  });
});

describe('speakable', () => {
  it('reads markdown without its marks and skips code blocks', () => {
    expect(speakable('# Title\n- **one** [link](http://x)\n```js\nx()\n```\nend `y`')).toBe('Title one link (code) end y');
  });
});

describe('voice settings', () => {
  it('lists the server\'s voices and keeps the choice in this browser', async () => {
    renderApp({
      'GET /api/v1/voice/voices': () => json({
        engine: 'espeak-ng', default_voice: 'en-us', speed: { min: 0.5, max: 2.5 },
        voices: [{ id: 'en-us', name: 'English (America)', language: 'en-us', gender: null }, { id: 'en-gb', name: 'English (Great Britain)', language: 'en-gb', gender: null }],
        transcription: { engine: 'pocketsphinx', languages: ['en'], grammar: true },
      }),
    }, '/settings');
    const select = await screen.findByTestId('voice-select');
    fireEvent.change(select, { target: { value: 'en-gb' } });
    fireEvent.change(screen.getByTestId('voice-speed'), { target: { value: '1.25' } });
    fireEvent.click(screen.getByTestId('voice-send-on-release'));
    expect(JSON.parse(localStorage.getItem(VOICE_SETTINGS_KEY)!)).toEqual({ voice: 'en-gb', speed: 1.25, sendOnRelease: true });
    expect((screen.getByTestId('voice-select') as HTMLSelectElement).value).toBe('en-gb');
  });

  it('falls back to a typed voice id when the voices cannot be listed', async () => {
    renderApp({ 'GET /api/v1/voice/voices': () => apiError(503, 'VOICE_UNAVAILABLE', 'No speech engine.', 'Install espeak-ng.') }, '/settings');
    const input = await screen.findByTestId('voice-input');
    fireEvent.change(input, { target: { value: 'en-us+f3' } });
    expect(JSON.parse(localStorage.getItem(VOICE_SETTINGS_KEY)!).voice).toBe('en-us+f3');
  });
});
