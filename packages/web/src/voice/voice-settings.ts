/**
 * The voice preferences of this browser: the voice and speed replies are spoken with, and
 * whether push-to-talk sends the transcript on release. Kept in localStorage and read where
 * they are used (a Play, a recording, hands-free turned on); the settings form follows changes
 * through `useVoiceSettings` (other tabs' through the storage event).
 */
import { useCallback, useEffect, useState } from 'react';

export interface VoiceSettings {
  /** A voice id from GET /api/v1/voice/voices; empty is the server's default. */
  voice: string;
  /** 1 is normal; the contract allows 0.25..4, each engine clamps further. */
  speed: number;
  /** Push-to-talk sends the transcript as soon as the recording ends. */
  sendOnRelease: boolean;
}

export const VOICE_SETTINGS_KEY = 'sutazai.voice';
const CHANGED = 'sutazai-voice-settings';
const DEFAULT_VOICE_SETTINGS: VoiceSettings = { voice: '', speed: 1, sendOnRelease: false };

export function readVoiceSettings(): VoiceSettings {
  try {
    const stored = JSON.parse(localStorage.getItem(VOICE_SETTINGS_KEY) ?? '{}') as Partial<VoiceSettings>;
    return {
      voice: typeof stored.voice === 'string' ? stored.voice : DEFAULT_VOICE_SETTINGS.voice,
      speed: typeof stored.speed === 'number' && stored.speed >= 0.25 && stored.speed <= 4 ? stored.speed : DEFAULT_VOICE_SETTINGS.speed,
      sendOnRelease: stored.sendOnRelease === true,
    };
  } catch {
    return { ...DEFAULT_VOICE_SETTINGS };
  }
}

function writeVoiceSettings(settings: VoiceSettings): void {
  try {
    localStorage.setItem(VOICE_SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Private mode or a full quota: the change is not kept.
  }
  window.dispatchEvent(new Event(CHANGED));
}

export function useVoiceSettings(): [VoiceSettings, (change: Partial<VoiceSettings>) => void] {
  const [settings, setSettings] = useState(readVoiceSettings);
  useEffect(() => {
    const reload = () => setSettings(readVoiceSettings());
    window.addEventListener(CHANGED, reload);
    window.addEventListener('storage', reload);
    return () => {
      window.removeEventListener(CHANGED, reload);
      window.removeEventListener('storage', reload);
    };
  }, []);
  const update = useCallback((change: Partial<VoiceSettings>) => writeVoiceSettings({ ...readVoiceSettings(), ...change }), []);
  return [settings, update];
}

/** The synthesis options of the settings: a blank voice is left to the server. */
export function speechOptions(settings: VoiceSettings): { voice?: string; speed?: number } {
  return { ...(settings.voice ? { voice: settings.voice } : {}), ...(settings.speed !== 1 ? { speed: settings.speed } : {}) };
}
