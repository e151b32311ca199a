/** Starts a run of an agent in the background (POST /api/v1/agents/{id}/runs) and opens it. */
import { useState, type FormEvent } from 'react';
import { runPath } from '../app/router';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

export function RunInBackground({ agentId, agentName, go }: { agentId: string; agentName: string; go(path: string): void }) {
  const { api } = useServices();
  const [input, setInput] = useState('');
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = input.trim();
    if (!text) return;
    const started = await run(() => api.agent.startRun(agentId, { input: text }));
    if (started) go(runPath(started.id));
  };

  return (
    <form className="form settings-section" onSubmit={(event) => void submit(event)} aria-labelledby="run-background-title" data-testid="run-in-background">
      <h3 id="run-background-title">Run in background</h3>
      <p className="form-intro">{agentName} works on this on the server, within its limits, while you do something else; follow it on the Runs page.</p>
      <label className="field">
        <span>Input</span>
        <textarea rows={3} required maxLength={100_000} value={input} onChange={(e) => setInput(e.target.value)} data-testid="run-input-field" />
      </label>
      {error && <ErrorNotice error={error} title="The run was not started." testId="run-start-error" />}
      <div className="form-row">
        <button type="submit" className="button-primary" disabled={busy || !input.trim()} data-testid="run-start">{busy ? 'Starting…' : 'Run in background'}</button>
      </div>
    </form>
  );
}
