/** Your API keys: list, create (the key is shown once, here), revoke. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiKey } from '../api/types';
import { useServices } from '../app/services';
import { copyText } from '../markdown/code-block';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

export function ApiKeysSection() {
  const { api } = useServices();
  const [keys, setKeys] = useState<ApiKey[] | undefined>(undefined);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ key: string; name: string } | undefined>(undefined);
  const [copied, setCopied] = useState('');
  const listing = useAsyncAction();
  const changing = useAsyncAction();
  const { run: runListing } = listing;

  const load = useCallback(() => void runListing(async () => setKeys((await api.auth.listApiKeys()).items)), [api, runListing]);
  useEffect(load, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await changing.run(() => api.auth.createApiKey({ name: name.trim() }));
    if (!answer) return;
    setCreated({ key: answer.key, name: answer.api_key.name });
    setName('');
    setKeys((current) => [answer.api_key, ...(current ?? [])]);
  };

  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke "${key.name}"? It stops working at once, open streams included.`)) return;
    await changing.run(async () => {
      await api.auth.revokeApiKey(key.id);
      setKeys((current) => current?.map((k) => (k.id === key.id ? { ...k, revoked_at: new Date().toISOString() } : k)));
    });
  };

  return (
    <section className="settings-section" aria-labelledby="api-keys-title">
      <h3 id="api-keys-title">API keys</h3>
      <p className="muted">For scripts and OpenAI clients: send a key as <code>Authorization: Bearer …</code> to <code>/api/v1</code> or <code>/v1</code>. Only a key's hash is stored, so it is shown once.</p>
      <form className="form-row" onSubmit={(event) => void create(event)} aria-label="Create an API key">
        <label className="field field-grow">
          <span>Name</span>
          <input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="e.g. laptop scripts" data-testid="api-key-name" />
        </label>
        <button type="submit" className="button-primary" disabled={changing.busy || !name.trim()} data-testid="api-key-create">Create key</button>
      </form>
      {created && (
        <div className="key-once" role="status" data-testid="api-key-created">
          <p><strong>Your new key "{created.name}".</strong> Copy it now: it will not be shown again.</p>
          <code className="key-value">{created.key}</code>
          <div className="form-row">
            <button type="button" className="button-small" onClick={() => void copyText(created.key).then(() => setCopied('Copied'), (e: unknown) => setCopied(`Copy failed: ${e instanceof Error ? e.message : String(e)}`))}>{copied || 'Copy'}</button>
            <button type="button" className="button-small" onClick={() => { setCreated(undefined); setCopied(''); }}>I have saved it</button>
          </div>
        </div>
      )}
      {changing.error && <ErrorNotice error={changing.error} />}
      {listing.error && <ErrorNotice error={listing.error} title="The keys could not be listed." />}
      {keys && keys.length === 0 && <p className="muted">No API keys yet.</p>}
      {keys && keys.length > 0 && (
        <div className="table-scroll">
          <table className="data-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <th scope="row">{key.name}</th>
                  <td><code>{key.prefix}…</code></td>
                  <td>{new Date(key.created_at).toLocaleString()}</td>
                  <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'never'}</td>
                  <td>{key.revoked_at ? <span className="badge badge-down">revoked</span> : (
                    <button type="button" className="button-small button-danger" onClick={() => void revoke(key)} disabled={changing.busy} aria-label={`Revoke ${key.name}`}>Revoke</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
