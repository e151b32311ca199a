/** One knowledge base: add documents, watch them being indexed, and inspect what a query retrieves. */
import { useCallback, useEffect, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { KnowledgeBase } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { DocumentList } from './document-list';
import { DocumentUpload } from './document-upload';
import { describeBase } from './format';
import { RetrievalInspector } from './retrieval-inspector';
import { useDocuments } from './use-documents';

export function KnowledgeBasePage({ baseId, go }: { baseId: string; go(path: string): void }) {
  const { api } = useServices();
  const [base, setBase] = useState<KnowledgeBase | undefined>(undefined);
  const [loadError, setLoadError] = useState<ShownError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.knowledge.get(baseId, controller.signal).then((answer) => {
      setBase(answer);
      setLoadError(undefined);
    }, (error: unknown) => {
      if (!controller.signal.aborted) setLoadError(toShownError(error));
    });
    return () => controller.abort();
  }, [api, baseId, generation]);

  // The counts (documents, passages, embedding model) change as documents settle.
  const refreshBase = useCallback(() => setGeneration((g) => g + 1), []);
  const documents = useDocuments(baseId, refreshBase);

  const back = <button type="button" className="button-small" onClick={() => go('/knowledge')}>All knowledge bases</button>;
  if (loadError && !base) {
    return <section className="page"><ErrorNotice error={loadError} title="This knowledge base could not be opened." />{back}</section>;
  }
  if (!base) return <section className="page"><p role="status">Loading the knowledge base…</p></section>;
  return (
    <section className="page" aria-labelledby="knowledge-base-title" data-testid="knowledge-base-page" data-base-id={base.id}>
      <div className="page-header">
        <h2 id="knowledge-base-title">{base.name}</h2>
        {back}
      </div>
      {base.description && <p>{base.description}</p>}
      <p className="muted" data-testid="knowledge-base-summary">{describeBase(base)}</p>
      <DocumentUpload baseId={base.id} onAdded={(document) => { documents.added(document); refreshBase(); }} />
      <DocumentList baseId={base.id} documents={documents} />
      <RetrievalInspector baseId={base.id} />
    </section>
  );
}
