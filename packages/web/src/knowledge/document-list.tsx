/** A knowledge base's documents: status, a live progress bar while ingested, why one failed, delete. */
import { useState } from 'react';
import type { KnowledgeDocument } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { describeDocument, STATUS_TEXT } from './format';
import type { Documents } from './use-documents';

export function DocumentList({ baseId, documents }: { baseId: string; documents: Documents }) {
  const list = documents.documents;
  return (
    <section className="settings-section" aria-labelledby="documents-title">
      <h3 id="documents-title">Documents</h3>
      {documents.error && <ErrorNotice error={documents.error} title="The documents could not be listed." />}
      {!list && !documents.error && <p role="status">Loading…</p>}
      {list?.length === 0 && <p className="muted" data-testid="documents-empty">No documents yet.</p>}
      {list && list.length > 0 && (
        <ul className="document-list">
          {list.map((document) => <DocumentItem key={document.id} baseId={baseId} document={document} onRemoved={documents.removed} />)}
        </ul>
      )}
    </section>
  );
}

function DocumentItem({ baseId, document, onRemoved }: { baseId: string; document: KnowledgeDocument; onRemoved(id: string): void }) {
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, setError, run } = useAsyncAction();
  const working = document.status === 'queued' || document.status === 'processing';

  const remove = async () => {
    const done = await run(async () => {
      await api.knowledge.removeDocument(baseId, document.id);
      return true;
    });
    if (done) onRemoved(document.id);
  };

  return (
    <li className={`document-item document-${document.status}`} data-testid="document" data-document-id={document.id} data-status={document.status}>
      <div className="document-head">
        <strong className="document-name">{document.name}</strong>
        <span className={`badge ${document.status === 'indexed' ? 'badge-healthy' : document.status === 'failed' ? 'badge-down' : ''}`} data-testid="document-status">{STATUS_TEXT[document.status]}</span>
        <span className="document-actions">
          {!confirming && (
            <button type="button" className="button-small button-quiet button-danger" onClick={() => { setError(undefined); setConfirming(true); }} aria-label={`Delete ${document.name}`} data-testid="document-delete">Delete</button>
          )}
        </span>
      </div>
      <p className="agent-meta">{describeDocument(document)}</p>
      {working && (
        <div className="document-progress">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={document.progress} aria-label={`Ingesting ${document.name}`} data-testid="document-progress" data-value={document.progress}>
            <div className="progress-bar" style={{ width: `${document.progress}%` }} />
          </div>
          <span className="document-stage" data-testid="document-stage">{document.progress}%{document.stage ? ` · ${document.stage}` : document.status === 'queued' ? ' · waiting for a worker' : ''}</span>
        </div>
      )}
      {document.status === 'failed' && (
        <ErrorNotice error={{ code: document.error_code ?? 'INGESTION_FAILED', message: document.error_message ?? 'Ingestion failed.' }} title={`Not indexed${document.error_code ? ` (${document.error_code})` : ''}:`} testId="document-error" />
      )}
      {confirming && (
        <div className="agent-confirm" role="group" aria-label={`Confirm deleting ${document.name}`}>
          <span>Delete "{document.name}" and its passages?</span>
          <button type="button" className="button-small button-danger" onClick={() => void remove()} disabled={busy} data-testid="document-delete-confirm">Delete</button>
          <button type="button" className="button-small" onClick={() => setConfirming(false)}>Keep</button>
        </div>
      )}
      {error && <ErrorNotice error={error} onDismiss={() => setError(undefined)} />}
    </li>
  );
}
