/**
 * Your agent runs, newest first, page by page. While a listed run is queued or running the
 * first page is read again every few seconds, so statuses change on their own.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { Run } from '../api/types';
import { runPath } from '../app/router';
import { useServices } from '../app/services';
import type { Catalog } from '../models/use-catalog';
import { ErrorNotice } from '../ui/error-notice';
import { formatDuration, formatTime, inputPreview, isActive, RunStatusBadge } from './run-status';

export const RUNS_REFRESH_MS = 2000;

export function RunsPage({ catalog, go }: { catalog: Catalog; go(path: string): void }) {
  const { api } = useServices();
  const [runs, setRuns] = useState<Run[] | undefined>(undefined);
  /** Where the next page starts: undefined before the first page, null after the last. */
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);

  const loadFirst = useCallback(async (signal: AbortSignal) => {
    const page = await api.runs.list({}, signal);
    setError(undefined);
    setRuns((current) => {
      const first = new Set(page.items.map((run) => run.id));
      return [...page.items, ...(current ?? []).filter((run) => !first.has(run.id))];
    });
    setCursor((current) => (current === undefined ? page.next_cursor : current));
  }, [api]);

  useEffect(() => {
    const c = new AbortController();
    controller.current = c;
    loadFirst(c.signal).catch((caught: unknown) => {
      if (!c.signal.aborted) setError(toShownError(caught));
    });
    return () => c.abort();
  }, [loadFirst]);

  const active = runs?.some(isActive) ?? false;
  useEffect(() => {
    if (!active) return undefined;
    const c = new AbortController();
    const timer = setInterval(() => void loadFirst(c.signal).catch(() => undefined), RUNS_REFRESH_MS);
    return () => {
      clearInterval(timer);
      c.abort();
    };
  }, [active, loadFirst]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.runs.list({ cursor }, controller.current?.signal);
      setRuns((current) => {
        const known = new Set((current ?? []).map((run) => run.id));
        return [...(current ?? []), ...page.items.filter((run) => !known.has(run.id))];
      });
      setCursor(page.next_cursor);
    } catch (caught) {
      setError(toShownError(caught));
    } finally {
      setLoadingMore(false);
    }
  };

  const agentName = (id: string) => catalog.agents?.find((agent) => agent.id === id)?.name ?? id;
  return (
    <section className="page" aria-labelledby="runs-title" data-testid="runs-page">
      <div className="page-header"><h2 id="runs-title">Runs</h2></div>
      <p className="muted">Agent runs started in the background (from an agent's page, or with <code>POST /api/v1/agents/&#123;id&#125;/runs</code>). They go on when you close this page.</p>
      {error && <ErrorNotice error={error} title="The runs could not be listed." />}
      {!runs && !error && <p role="status">Loading…</p>}
      {runs?.length === 0 && <p className="muted" data-testid="runs-empty">No runs yet. Open an agent and use "Run in background".</p>}
      {runs && runs.length > 0 && (
        <ul className="run-list">
          {runs.map((run) => (
            <li key={run.id} className="run-item" data-testid="run-item" data-run-id={run.id} data-status={run.status}>
              <a href={runPath(run.id)} onClick={(e) => { e.preventDefault(); go(runPath(run.id)); }} className="run-open">
                <span className="run-item-head">
                  <RunStatusBadge status={run.status} />
                  <strong>{agentName(run.agent_id)}</strong>
                  <span className="muted">{formatTime(run.created_at)}</span>
                  {run.finished_at !== null && <span className="muted">took {formatDuration(run.finished_at - run.created_at)}</span>}
                </span>
                <span className="run-input">{inputPreview(run.input)}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {cursor && <button type="button" className="button-secondary" onClick={() => void loadMore()} disabled={loadingMore}>{loadingMore ? 'Loading…' : 'Load more'}</button>}
    </section>
  );
}
