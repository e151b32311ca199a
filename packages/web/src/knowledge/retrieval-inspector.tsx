/**
 * The retrieval inspector: what a query finds in this knowledge base, each passage with its
 * fused score and what each method (full text, vectors) scored and ranked it, and the
 * server's diagnostics: above all, why nothing came back when nothing did.
 */
import { useState, type FormEvent } from 'react';
import type { KnowledgeSearchResponse, SearchMode, SearchResult } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { formatScore } from './format';

const MODES: { value: SearchMode; label: string }[] = [
  { value: 'hybrid', label: 'Hybrid (full text + vectors, fused)' },
  { value: 'fulltext', label: 'Full text only' },
  { value: 'vector', label: 'Vectors only' },
];

export function RetrievalInspector({ baseId }: { baseId: string }) {
  const { api } = useServices();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [k, setK] = useState(5);
  const [answer, setAnswer] = useState<{ query: string; response: KnowledgeSearchResponse } | undefined>(undefined);
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = query.trim();
    if (!text) return;
    const response = await run(() => api.knowledge.search(baseId, { query: text, mode, k }));
    if (response) setAnswer({ query: text, response });
  };

  return (
    <section className="settings-section" aria-labelledby="inspector-title" data-testid="retrieval-inspector">
      <h3 id="inspector-title">Retrieval inspector</h3>
      <p className="muted">See what a question retrieves from this base: the passages a reply would be given, and how each method scored them.</p>
      <form className="form-row" onSubmit={(event) => void submit(event)} aria-label="Search this knowledge base">
        <label className="field field-grow">
          <span>Query</span>
          <input type="search" required maxLength={2000} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="inspector-query" />
        </label>
        <label className="field">
          <span>Method</span>
          <select value={mode} onChange={(e) => setMode(e.target.value as SearchMode)} data-testid="inspector-mode">
            {MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
          </select>
        </label>
        <label className="field">
          <span>Passages (k)</span>
          <input type="number" required min={1} max={50} value={k} onChange={(e) => setK(e.target.valueAsNumber)} className="input-narrow" data-testid="inspector-k" />
        </label>
        <button type="submit" className="button-primary" disabled={busy || !query.trim()} data-testid="inspector-search">{busy ? 'Searching…' : 'Search'}</button>
      </form>
      {error && <ErrorNotice error={error} title="The search failed." />}
      {answer && <SearchAnswer query={answer.query} response={answer.response} />}
    </section>
  );
}

function SearchAnswer({ query, response }: { query: string; response: KnowledgeSearchResponse }) {
  const { results, diagnostics } = response;
  const empty = results.length === 0;
  return (
    <div className="inspector-answer" data-testid="inspector-answer" data-count={results.length}>
      <p className="inspector-summary" role="status">
        {empty ? <strong>Nothing came back for “{query}”.</strong> : `${results.length} ${results.length === 1 ? 'passage' : 'passages'} for “${query}”`}
        {' · '}{response.mode}{response.embedding_model ? ` · vectors by ${response.embedding_model}` : ' · no embedding model'}
      </p>
      {diagnostics.length > 0 && (
        <div className={empty ? 'notice' : 'inspector-diagnostics'} role={empty ? 'note' : undefined} data-testid="inspector-diagnostics">
          {empty && <p>Why:</p>}
          <ul>{diagnostics.map((line, index) => <li key={index}>{line}</li>)}</ul>
        </div>
      )}
      {empty && diagnostics.length === 0 && <p className="muted">The server gave no reason.</p>}
      {!empty && (
        <ol className="inspector-results">
          {results.map((result, index) => <ResultItem key={result.chunk_id} rank={index + 1} result={result} mode={response.mode} />)}
        </ol>
      )}
    </div>
  );
}

function ResultItem({ rank, result, mode }: { rank: number; result: SearchResult; mode: SearchMode }) {
  const { scores } = result;
  const where = [...result.heading_path];
  return (
    <li className="inspector-result" data-testid="inspector-result" data-document-id={result.document_id} data-chunk-id={result.chunk_id}>
      <div className="inspector-result-head">
        <span className="inspector-rank">#{rank}</span>
        <strong>{result.document_name}</strong>
        {where.length > 0 && <span className="muted">{where.join(' › ')}</span>}
        {result.page !== null && <span className="muted">page {result.page}</span>}
        <span className="inspector-score" title={mode === 'hybrid' ? 'Fused score (rank fusion of the methods below)' : 'Score of the one method used'}>
          {mode === 'hybrid' ? 'fused ' : 'score '}<span data-testid="result-score">{formatScore(result.score)}</span>
        </span>
      </div>
      <table className="score-table" aria-label={`Scores of passage ${rank}`}>
        <thead><tr><th scope="col">Method</th><th scope="col">Score</th><th scope="col">Rank</th></tr></thead>
        <tbody>
          <tr data-testid="score-fulltext"><th scope="row">Full text</th><td>{formatScore(scores.fulltext)}</td><td>{scores.fulltext_rank ?? 'not found'}</td></tr>
          <tr data-testid="score-vector"><th scope="row">Vectors</th><td>{formatScore(scores.vector)}</td><td>{scores.vector_rank ?? 'not found'}</td></tr>
        </tbody>
      </table>
      <p className="passage-text" data-testid="result-text">{result.text}</p>
    </li>
  );
}
