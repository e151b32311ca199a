/**
 * Push-to-talk in the composer: hold the button (or press it once to start and once to stop,
 * as the keyboard does) to record with MediaRecorder (webm/opus where the browser has it);
 * the recording goes to POST /api/v1/voice/demo/transcribe and its text to the composer.
 * Escape while recording throws the recording away.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { readVoiceSettings } from './voice-settings';
import { microphoneError, openMicrophone } from './microphone';

type RecorderPhase = 'idle' | 'starting' | 'recording' | 'transcribing';

/** A press longer than this is push-to-talk (release stops); a shorter one toggles. */
const HOLD_MS = 350;
const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'];

export interface MicrophoneButtonProps {
  disabled?: boolean | undefined;
  /** The transcript; `send` when the settings say to send on release. */
  onTranscript(text: string, send: boolean): void;
}

interface Recording {
  stream?: MediaStream;
  recorder?: MediaRecorder;
  chunks: Blob[];
  /** Released (or toggled off) before the microphone was open. */
  stopRequested: boolean;
  discard: boolean;
}

export function MicrophoneButton({ disabled, onTranscript }: MicrophoneButtonProps) {
  const { api } = useServices();
  const [phase, setPhase] = useState<RecorderPhase>('idle');
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const recording = useRef<Recording | undefined>(undefined);
  const transcribing = useRef<AbortController | undefined>(undefined);
  const latest = useRef(onTranscript);
  latest.current = onTranscript;

  useEffect(() => () => {
    transcribing.current?.abort();
    const current = recording.current;
    if (current) {
      current.discard = true;
      release(current);
    }
  }, []);

  const transcribe = async (audio: Blob) => {
    const controller = new AbortController();
    transcribing.current = controller;
    setPhase('transcribing');
    try {
      const answer = await api.voice.transcribe(audio, `recording.${extensionOf(audio.type)}`, controller.signal);
      const text = answer.text.trim();
      if (text) latest.current(text, readVoiceSettings().sendOnRelease);
      else setError({ code: 'NO_SPEECH', message: 'No words were recognised in the recording.', hint: 'Speak closer to the microphone, or hold the button a little longer.' });
    } catch (caught) {
      if (!controller.signal.aborted) setError(toShownError(caught));
    } finally {
      if (transcribing.current === controller) {
        transcribing.current = undefined;
        setPhase('idle');
      }
    }
  };

  const start = async () => {
    if (recording.current || transcribing.current) return;
    setError(undefined);
    const current: Recording = { chunks: [], stopRequested: false, discard: false };
    recording.current = current;
    setPhase('starting');
    try {
      if (typeof MediaRecorder === 'undefined') throw new DOMException('no recorder', 'NotSupportedError');
      current.stream = await openMicrophone({ echoCancellation: true, noiseSuppression: true });
      const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported?.(type));
      const recorder = new MediaRecorder(current.stream, mimeType ? { mimeType } : undefined);
      current.recorder = recorder;
      recorder.addEventListener('dataavailable', (event) => {
        if (event.data.size > 0) current.chunks.push(event.data);
      });
      recorder.addEventListener('stop', () => {
        release(current);
        if (recording.current === current) recording.current = undefined;
        if (current.discard) {
          setPhase('idle');
          return;
        }
        const audio = new Blob(current.chunks, { type: recorder.mimeType || mimeType || 'audio/webm' });
        if (audio.size === 0) {
          setPhase('idle');
          setError({ code: 'NO_AUDIO', message: 'The recording is empty.', hint: 'Hold the button while you speak, or press it once to start and once to stop.' });
          return;
        }
        void transcribe(audio);
      });
      recorder.start();
      setPhase('recording');
      if (current.stopRequested || current.discard) recorder.stop();
    } catch (caught) {
      release(current);
      if (recording.current === current) recording.current = undefined;
      setPhase('idle');
      setError(microphoneError(caught));
    }
  };

  const stop = (discard = false) => {
    const current = recording.current;
    if (!current) return;
    current.discard ||= discard;
    if (current.recorder?.state === 'recording') current.recorder.stop();
    else current.stopRequested = true;
  };

  const pressed = useRef<{ at: number; started: boolean } | undefined>(undefined);
  const onPointerDown = () => {
    if (disabled) return;
    if (recording.current) {
      pressed.current = { at: Date.now(), started: false };
      stop();
      return;
    }
    pressed.current = { at: Date.now(), started: true };
    void start();
  };
  const onPointerUp = () => {
    const press = pressed.current;
    if (press?.started && Date.now() - press.at >= HOLD_MS) stop();
  };
  // A click from the keyboard (Enter, Space) has no pointer: it toggles.
  const onClick = (event: MouseEvent<HTMLButtonElement>) => {
    if (event.detail !== 0) return;
    if (recording.current) stop();
    else void start();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'Escape' && recording.current) {
      event.preventDefault();
      event.stopPropagation();
      stop(true);
    }
  };

  const label = phase === 'recording' ? 'Stop recording and transcribe (Escape discards)'
    : phase === 'starting' ? 'Opening the microphone'
      : phase === 'transcribing' ? 'Transcribing the recording' : 'Record a message: hold to talk, or press to start and again to stop';
  return (
    <>
      <button
        type="button"
        className={`button-microphone microphone-${phase}`}
        onPointerDown={onPointerDown}
        onPointerUp={onPointerUp}
        onClick={onClick}
        onKeyDown={onKeyDown}
        disabled={disabled || phase === 'transcribing'}
        aria-label={label}
        aria-pressed={phase === 'recording' || phase === 'starting'}
        data-testid="microphone-button"
        data-phase={phase}
      >
        <span aria-hidden="true">{phase === 'recording' ? '● Rec' : phase === 'transcribing' ? '…' : '🎤'}</span>
      </button>
      <span className="visually-hidden" role="status" aria-live="polite">
        {phase === 'recording' ? 'Recording.' : phase === 'transcribing' ? 'Transcribing.' : ''}
      </span>
      {error && (
        <div className="composer-voice-error">
          <ErrorNotice error={error} title="Voice input failed." onDismiss={() => setError(undefined)} testId="microphone-error" />
        </div>
      )}
    </>
  );
}

function release(current: Recording): void {
  for (const track of current.stream?.getTracks() ?? []) track.stop();
  if (current.recorder?.state === 'recording') current.recorder.stop();
}

function extensionOf(type: string): string {
  if (type.includes('ogg')) return 'ogg';
  if (type.includes('mp4')) return 'm4a';
  if (type.includes('wav')) return 'wav';
  return 'webm';
}
