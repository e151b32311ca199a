/** The caller's knowledge bases, listed when `enabled` and again on `reload`. */
import { useCallback, useEffect, useState } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { KnowledgeBase } from '../api/types';
import { useServices } from '../app/services';

export interface KnowledgeBases {
  bases: KnowledgeBase[] | undefined;
  error: ShownError | undefined;
  loading: boolean;
  reload(): void;
  /** Shows a base the server just created or changed (or, with `null`, deleted) at once. */
  changed(id: string, base: KnowledgeBase | null): void;
}

export function useKnowledgeBases(enabled = true): KnowledgeBases {
  const { api } = useServices();
  const [bases, setBases] = useState<KnowledgeBase[] | undefined>(undefined);
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    setLoading(true);
    api.knowledge.list(controller.signal).then((list) => {
      setBases(list.items);
      setError(undefined);
      setLoading(false);
    }, (caught: unknown) => {
      if (controller.signal.aborted) return;
      setError(toShownError(caught));
      setLoading(false);
    });
    return () => controller.abort();
  }, [api, enabled, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const changed = useCallback((id: string, base: KnowledgeBase | null) => {
    setBases((current) => {
      const others = (current ?? []).filter((b) => b.id !== id);
      if (!base) return others;
      return current?.some((b) => b.id === id) ? current.map((b) => (b.id === id ? base : b)) : [base, ...others];
    });
  }, []);

  return { bases, error, loading, reload, changed };
}
