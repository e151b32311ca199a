/**
 * Play on a reply: the server speaks the text (POST /api/v1/voice/demo/synthesize) and an
 * <audio> element plays the bytes from a blob URL. One reply plays at a time on the page.
 */
import { useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import { isAbort } from '../api/api-client';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { speechOptions, useVoiceSettings } from './voice-settings';
import type { MAX_SPEECH_CHARS as ContractSpeechLimit } from '@sutazai/contracts';

/** The contracts' limit, written out so the bundle does not take in their TypeBox schemas (see chat/limits.ts). */
const MAX_SPEECH_CHARS: typeof ContractSpeechLimit = 4096;

type Phase = 'idle' | 'loading' | 'playing';

/** The one player of the page: starting a reply stops the one before. */
let stopCurrent: (() => void) | undefined;

export function SpeakButton({ text }: { text: string }) {
  const { api } = useServices();
  const [settings] = useVoiceSettings();
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const playback = useRef<{ controller: AbortController; audio?: HTMLAudioElement; url?: string } | undefined>(undefined);

  const stop = () => {
    const current = playback.current;
    playback.current = undefined;
    if (!current) return;
    current.controller.abort();
    current.audio?.pause();
    if (current.url) URL.revokeObjectURL(current.url);
    setPhase('idle');
  };

  useEffect(() => stop, []);

  const play = async () => {
    stopCurrent?.();
    stopCurrent = stop;
    setError(undefined);
    const controller = new AbortController();
    playback.current = { controller };
    setPhase('loading');
    try {
      const audioBlob = await api.voice.synthesize({ text: speakable(text), ...speechOptions(settings) }, controller.signal);
      if (playback.current?.controller !== controller) return;
      const url = URL.createObjectURL(audioBlob);
      const audio = new Audio(url);
      playback.current = { controller, audio, url };
      audio.addEventListener('ended', () => {
        if (playback.current?.audio === audio) stop();
      });
      setPhase('playing');
      await audio.play();
    } catch (caught) {
      if (isAbort(caught) || playback.current?.controller !== controller) return;
      stop();
      setError(toShownError(caught));
    }
  };

  const label = phase === 'idle' ? 'Read this reply aloud' : phase === 'loading' ? 'Preparing the speech; press to cancel' : 'Stop reading aloud';
  return (
    <>
      <button
        type="button"
        className="button-small button-quiet"
        onClick={() => (phase === 'idle' ? void play() : stop())}
        aria-label={label}
        aria-pressed={phase !== 'idle'}
        data-testid="speak-button"
        data-phase={phase}
      >
        {phase === 'idle' ? 'Play' : phase === 'loading' ? 'Loading…' : 'Stop'}
      </button>
      {error && <ErrorNotice error={error} title="The reply could not be spoken." onDismiss={() => setError(undefined)} testId="speak-error" />}
    </>
  );
}

/** Markdown read aloud without its marks, within the engine's limit. */
export function speakable(markdown: string): string {
  const plain = markdown
    .replace(/```[\s\S]*?```/g, ' (code) ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[*_~]{1,3}([^*_~]+)[*_~]{1,3}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > MAX_SPEECH_CHARS ? plain.slice(0, MAX_SPEECH_CHARS) : plain;
}
