/**
 * The passages a reply answers from, numbered as its `[n]` markers cite them. Passages are
 * text from the user's documents: shown as plain text, collapsed until asked for.
 */
import { useMemo, type MouseEvent } from 'react';
import type { Citation } from '../api/types';
import { knowledgeBasePath, navigate } from '../app/router';
import type { CitationLinks } from '../markdown/markdown';

export function citationId(messageKey: string, n: number): string {
  return `citation-${messageKey}-${n}`;
}

/** Opens passage n of a reply and moves the focus to it. */
export function showCitation(messageKey: string, n: number): void {
  const item = document.getElementById(citationId(messageKey, n));
  if (!item) return;
  const details = item.querySelector('details');
  if (details) details.open = true;
  item.scrollIntoView?.({ block: 'nearest' });
  (item.querySelector('summary') ?? item).focus({ preventScroll: true });
}

export function useCitationLinks(messageKey: string, citations: Citation[] | undefined): CitationLinks | undefined {
  return useMemo(() => {
    if (!citations || citations.length === 0) return undefined;
    const byNumber = new Map(citations.map((citation) => [citation.n, citation]));
    return {
      numbers: [...byNumber.keys()],
      targetId: (n) => citationId(messageKey, n),
      label: (n) => `Source ${n}: ${byNumber.get(n)?.document_name ?? 'passage'}`,
      show: (n) => showCitation(messageKey, n),
    };
  }, [messageKey, citations]);
}

export function CitationList({ messageKey, citations }: { messageKey: string; citations: Citation[] }) {
  const openBase = (event: MouseEvent<HTMLAnchorElement>, baseId: string) => {
    event.preventDefault();
    navigate(knowledgeBasePath(baseId));
  };
  return (
    <section className="citations" aria-label="Sources" data-testid="citations">
      <p className="citations-title">Sources</p>
      <ol className="citation-list">
        {citations.map((citation) => (
          <li key={citation.n} id={citationId(messageKey, citation.n)} className="citation" data-testid="citation" data-n={citation.n} tabIndex={-1}>
            <details>
              <summary>
                <span className="citation-number">[{citation.n}]</span> <span className="citation-document">{citation.document_name}</span>
              </summary>
              <p className="citation-text" data-testid="citation-text">{citation.text}</p>
              <a className="citation-base" href={knowledgeBasePath(citation.knowledge_base_id)} onClick={(event) => openBase(event, citation.knowledge_base_id)}>Open its knowledge base</a>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
