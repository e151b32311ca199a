/** Settings → Voice: the voice and speed replies are spoken with, and push-to-talk's send on release. */
import { useEffect, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import { isAbort } from '../api/api-client';
import type { VoiceListResponse } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useVoiceSettings } from './voice-settings';

export function VoiceSettingsSection() {
  const { api } = useServices();
  const [settings, update] = useVoiceSettings();
  const [voices, setVoices] = useState<VoiceListResponse | undefined>(undefined);
  const [error, setError] = useState<ShownError | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    api.voice.voices(controller.signal).then(setVoices, (caught: unknown) => {
      if (!isAbort(caught)) setError(toShownError(caught));
    });
    return () => controller.abort();
  }, [api]);

  const min = voices?.speed.min ?? 0.5;
  const max = voices?.speed.max ?? 2;
  return (
    <section className="settings-section" aria-labelledby="voice-title" data-testid="voice-settings">
      <h3 id="voice-title">Voice</h3>
      <p className="muted">Kept in this browser. Used by Play on replies and by the hands-free mode.</p>
      {error && <ErrorNotice error={error} title="The voices could not be listed; type a voice id instead." />}
      <div className="form-row">
        <label className="field">
          <span>Voice</span>
          {voices ? (
            <select value={settings.voice} onChange={(e) => update({ voice: e.target.value })} data-testid="voice-select">
              <option value="">Server default ({voices.default_voice})</option>
              {voices.voices.map((voice) => <option key={voice.id} value={voice.id}>{voice.name}{voice.language ? ` (${voice.language})` : ''}</option>)}
            </select>
          ) : (
            <input value={settings.voice} onChange={(e) => update({ voice: e.target.value.trim() })} placeholder="en-us" maxLength={81} data-testid="voice-input" />
          )}
        </label>
        <label className="field">
          <span>Speed: {settings.speed.toFixed(2)}×</span>
          <input type="range" min={min} max={max} step={0.05} value={settings.speed} onChange={(e) => update({ speed: Number(e.target.value) })} aria-valuetext={`${settings.speed.toFixed(2)} times normal speed`} data-testid="voice-speed" />
        </label>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={settings.sendOnRelease} onChange={(e) => update({ sendOnRelease: e.target.checked })} data-testid="voice-send-on-release" />
        <span>Push-to-talk sends the message as soon as the recording ends</span>
      </label>
    </section>
  );
}
