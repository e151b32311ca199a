/**
 * Play on a reply: the server speaks the text (POST /api/v1/voice/demo/synthesize) and Web
 * Audio plays the bytes (see audio-player.ts for why not a blob URL). One reply plays at a time.
 */
import { useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import { isAbort } from '../api/api-client';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { createAudioPlayer, type AudioPlayer, type Playback } from './audio-player';
import { readVoiceSettings, speechOptions } from './voice-settings';
import type { MAX_SPEECH_CHARS as ContractSpeechLimit } from '@sutazai/contracts';

/** The contracts' limit, written out so the bundle does not take in their TypeBox schemas (see chat/limits.ts). */
const MAX_SPEECH_CHARS: typeof ContractSpeechLimit = 4096;

type Phase = 'idle' | 'loading' | 'playing';

/** The one player of the page: starting a reply stops the one before. */
let stopCurrent: (() => void) | undefined;

export function SpeakButton({ text }: { text: string }) {
  const { api } = useServices();
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const playback = useRef<{ controller: AbortController; player?: AudioPlayer; sound?: Playback } | undefined>(undefined);

  const stop = () => {
    const current = playback.current;
    playback.current = undefined;
    if (!current) return;
    current.controller.abort();
    current.sound?.stop();
    current.player?.close();
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
      const audioBlob = await api.voice.synthesize({ text: speakable(text), ...speechOptions(readVoiceSettings()) }, controller.signal);
      if (playback.current?.controller !== controller) return;
      const player = createAudioPlayer();
      playback.current = { controller, player };
      const sound = await player.play(audioBlob);
      if (playback.current?.controller !== controller) {
        sound.stop();
        return;
      }
      playback.current = { controller, player, sound };
      setPhase('playing');
      void sound.finished.then(() => {
        if (playback.current?.sound === sound) stop();
      });
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
