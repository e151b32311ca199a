/** The conversation list: newest first, page by page over next_cursor, searched with q. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { ConversationSummary } from '../api/types';
import { useServices } from '../app/services';

const PAGE_SIZE = 30;

export interface ConversationListState {
  items: ConversationSummary[];
  query: string;
  loading: boolean;
  error: ShownError | undefined;
  hasMore: boolean;
  setQuery(query: string): void;
  loadMore(): void;
  refresh(): void;
  /** Applies a change already made on the server, without reloading. */
  patch(id: string, change: Partial<ConversationSummary> | null): void;
}

export function useConversationList(): ConversationListState {
  const { api } = useServices();
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [query, setQueryState] = useState('');
  const [debounced, setDebounced] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const pending = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), 250);
    return () => clearTimeout(timer);
  }, [query]);

  const fetchPage = useCallback((from: string | null, replace: boolean) => {
    pending.current?.abort();
    const controller = new AbortController();
    pending.current = controller;
    setLoading(true);
    setError(undefined);
    api.conversations.list({ limit: PAGE_SIZE, ...(from ? { cursor: from } : {}), ...(debounced ? { q: debounced } : {}) }, controller.signal).then((page) => {
      if (controller.signal.aborted) return;
      setItems((current) => {
        if (replace) return page.items;
        const seen = new Set(current.map((c) => c.id));
        return [...current, ...page.items.filter((c) => !seen.has(c.id))];
      });
      setCursor(page.next_cursor);
      setLoading(false);
    }, (caught: unknown) => {
      if (controller.signal.aborted) return;
      setError(toShownError(caught));
      setLoading(false);
    });
  }, [api, debounced]);

  // The first page, again whenever the search or a refresh asks for it.
  useEffect(() => {
    fetchPage(null, true);
    return () => pending.current?.abort();
  }, [fetchPage, generation]);

  const loadMore = useCallback(() => {
    if (!loading && cursor) fetchPage(cursor, false);
  }, [loading, cursor, fetchPage]);

  const patch = useCallback((id: string, change: Partial<ConversationSummary> | null) => {
    setItems((current) => (change === null ? current.filter((c) => c.id !== id) : current.map((c) => (c.id === id ? { ...c, ...change } : c))));
  }, []);

  return {
    items, query, loading, error, hasMore: cursor !== null,
    setQuery: setQueryState,
    loadMore,
    refresh: useCallback(() => setGeneration((g) => g + 1), []),
    patch,
  };
}
