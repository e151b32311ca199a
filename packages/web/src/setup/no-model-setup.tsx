/**
 * No model is available (GET /api/v1/models/ counts 0): the three ways to get one, and a
 * live "test connection" that asks the server itself to reach an Ollama or OpenAI-compatible
 * URL (administrators only; the server refuses private and loopback addresses unless allowed).
 */
import { useState, type FormEvent } from 'react';
import type { ProviderTestRequest, ProviderTestResponse } from '../api/types';
import { useServices } from '../app/services';
import { useSession } from '../auth/session';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

export function NoModelSetup({ onModelsChanged }: { onModelsChanged: () => void }) {
  const { state } = useSession();
  const isAdmin = state.kind === 'signed-in' && state.user.role === 'admin';
  return (
    <div className="setup" data-testid="no-model-setup">
      <h2>No model is available yet</h2>
      <p>JARVIS needs at least one model. Any of these works, and several can be used at once:</p>
      <ol className="setup-ways">
        <li>
          <h3>Start Ollama</h3>
          <p>Run <code>ollama serve</code> and <code>ollama pull llama3.2</code>. SutazAI finds Ollama on <code>http://127.0.0.1:11434</code> by itself, or set <code>OLLAMA_BASE_URL=http://host:11434</code>.</p>
        </li>
        <li>
          <h3>Use an OpenAI-compatible server</h3>
          <p>Set <code>OPENAI_BASE_URL</code> (with its <code>/v1</code> path: vLLM, llama.cpp server, LM Studio, OpenAI) and <code>OPENAI_API_KEY</code> if it needs one, then restart SutazAI.</p>
        </li>
        <li>
          <h3>Put a GGUF file in the models folder</h3>
          <p>Copy a <code>.gguf</code> file into <code>./models</code> (or the folder in <code>MODELS_DIR</code>) and restart SutazAI; the embedded engine serves it.</p>
        </li>
      </ol>
      <p>
        <button type="button" className="button-secondary" onClick={onModelsChanged} data-testid="check-models-again">Check for models again</button>
      </p>
      {isAdmin ? <ProviderTest /> : <p className="muted">An administrator can test a model server's address from here.</p>}
    </div>
  );
}

export function ProviderTest() {
  const { api } = useServices();
  const [kind, setKind] = useState<ProviderTestRequest['kind']>('ollama');
  const [baseUrl, setBaseUrl] = useState('http://127.0.0.1:11434');
  const [apiKey, setApiKey] = useState('');
  const [result, setResult] = useState<(ProviderTestResponse & { tested: ProviderTestRequest }) | undefined>(undefined);
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    const tested: ProviderTestRequest = { kind, base_url: baseUrl.trim(), ...(kind === 'openai-compatible' && apiKey ? { api_key: apiKey } : {}) };
    const answer = await run(() => api.testProvider(tested));
    if (answer) setResult({ ...answer, tested });
  };

  const variable = result?.tested.kind === 'ollama' ? 'OLLAMA_BASE_URL' : 'OPENAI_BASE_URL';
  return (
    <form className="form provider-test" onSubmit={(event) => void submit(event)} aria-label="Test a model server" data-testid="provider-test">
      <h3>Test connection</h3>
      <div className="form-row">
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => {
            const next = e.target.value as ProviderTestRequest['kind'];
            setKind(next);
            setBaseUrl(next === 'ollama' ? 'http://127.0.0.1:11434' : 'http://127.0.0.1:8000/v1');
          }} data-testid="provider-kind">
            <option value="ollama">Ollama</option>
            <option value="openai-compatible">OpenAI-compatible</option>
          </select>
        </label>
        <label className="field field-grow">
          <span>Base URL{kind === 'openai-compatible' ? ' (with /v1)' : ''}</span>
          <input type="url" required value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} data-testid="provider-url" />
        </label>
      </div>
      {kind === 'openai-compatible' && (
        <label className="field">
          <span>API key (optional; sent to that server only for this test)</span>
          <input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} data-testid="provider-key" />
        </label>
      )}
      <button type="submit" className="button-primary" disabled={busy} data-testid="provider-test-submit">{busy ? 'Testing…' : 'Test connection'}</button>
      {error && <ErrorNotice error={error} title="The test could not run." testId="provider-test-error" />}
      {result && (
        <div className={`provider-result provider-${result.status}`} role="status" data-testid="provider-test-result" data-status={result.status}>
          <p><strong>{result.status === 'healthy' ? 'Reachable' : 'Not reachable'}</strong> in {result.latency_ms} ms: {result.detail}</p>
          {result.hint && <p className="error-notice-hint">{result.hint}</p>}
          {result.models.length > 0 && <p>Models there: {result.models.join(', ')}</p>}
          {result.status === 'healthy' && (
            <p>To use it, start SutazAI with <code>{variable}={result.tested.base_url}</code>{result.tested.api_key ? <> and <code>OPENAI_API_KEY</code></> : null}, then check for models again.</p>
          )}
        </div>
      )}
    </form>
  );
}
