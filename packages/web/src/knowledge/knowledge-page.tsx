/**
 * Your knowledge bases: create one, open one (its documents and the retrieval inspector),
 * delete one after a confirmation (its documents, passages and vectors go with it).
 */
import { useState, type FormEvent } from 'react';
import type { KnowledgeBase } from '../api/types';
import { knowledgeBasePath } from '../app/router';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { describeBase } from './format';
import { useKnowledgeBases, type KnowledgeBases } from './use-knowledge-bases';

export function KnowledgePage({ go }: { go(path: string): void }) {
  const list = useKnowledgeBases();
  const { bases, error } = list;
  return (
    <section className="page" aria-labelledby="knowledge-title" data-testid="knowledge-page">
      <div className="page-header"><h2 id="knowledge-title">Knowledge</h2></div>
      <p className="muted">
        A knowledge base holds documents (text, Markdown, HTML, PDF, Word, CSV, JSON) split into passages. Attach bases to a
        conversation in the message box, or to an agent, and replies answer from them with numbered citations.
      </p>
      <CreateBase list={list} go={go} />
      {error && <ErrorNotice error={error} title="The knowledge bases could not be listed." />}
      {!bases && !error && <p role="status">Loading…</p>}
      {bases?.length === 0 && <p className="muted" data-testid="knowledge-empty">None yet: create one above.</p>}
      {bases && bases.length > 0 && (
        <ul className="knowledge-list">
          {bases.map((base) => <BaseItem key={base.id} base={base} list={list} go={go} />)}
        </ul>
      )}
    </section>
  );
}

function CreateBase({ list, go }: { list: KnowledgeBases; go(path: string): void }) {
  const { api } = useServices();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    const base = await run(() => api.knowledge.create({ name: trimmed, ...(description.trim() ? { description: description.trim() } : {}) }));
    if (!base) return;
    list.changed(base.id, base);
    go(knowledgeBasePath(base.id));
  };

  return (
    <form className="form settings-section" onSubmit={(event) => void submit(event)} aria-label="Create a knowledge base">
      <div className="form-row">
        <label className="field field-grow">
          <span>Name</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="knowledge-name" />
        </label>
        <label className="field field-grow">
          <span>Description (optional)</span>
          <input maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="knowledge-description" />
        </label>
        <button type="submit" className="button-primary" disabled={busy || !name.trim()} data-testid="knowledge-create">{busy ? 'Creating…' : 'Create'}</button>
      </div>
      {error && <ErrorNotice error={error} title="The knowledge base was not created." />}
    </form>
  );
}

function BaseItem({ base, list, go }: { base: KnowledgeBase; list: KnowledgeBases; go(path: string): void }) {
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, setError, run } = useAsyncAction();

  const remove = async () => {
    const done = await run(async () => {
      await api.knowledge.remove(base.id);
      return true;
    });
    if (!done) return;
    list.changed(base.id, null);
  };

  return (
    <li className="knowledge-item" data-testid="knowledge-item" data-base-id={base.id}>
      <div className="agent-item-head">
        <a className="knowledge-item-name" href={knowledgeBasePath(base.id)} onClick={(e) => { e.preventDefault(); go(knowledgeBasePath(base.id)); }} data-testid="knowledge-open">{base.name}</a>
      </div>
      {base.description && <p className="agent-description">{base.description}</p>}
      <p className="agent-meta">{describeBase(base)}</p>
      <div className="agent-actions">
        {!confirming && (
          <button type="button" className="button-small button-danger" onClick={() => { setError(undefined); setConfirming(true); }} aria-label={`Delete ${base.name}`} data-testid="knowledge-delete">Delete</button>
        )}
      </div>
      {confirming && (
        <div className="agent-confirm" role="group" aria-label={`Confirm deleting ${base.name}`}>
          <span>Delete "{base.name}" with its {base.document_count} {base.document_count === 1 ? 'document' : 'documents'}? This cannot be undone.</span>
          <button type="button" className="button-small button-danger" onClick={() => void remove()} disabled={busy} data-testid="knowledge-delete-confirm">Delete</button>
          <button type="button" className="button-small" onClick={() => setConfirming(false)}>Keep</button>
        </div>
      )}
      {error && <ErrorNotice error={error} onDismiss={() => setError(undefined)} />}
    </li>
  );
}
