/**
 * A knowledge base's documents, kept current while they are ingested: each unfinished one is
 * followed on its progress stream (a few at a time, so they do not take every connection the
 * browser has for this server); any unfinished one without a live stream (over that limit, or
 * whose stream ended before it was indexed or failed) is caught by polling the list.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort } from '../api/api-client';
import { toShownError, type ShownError } from '../api/api-error';
import { streamDocumentProgress } from '../api/knowledge-stream';
import type { KnowledgeDocument } from '../api/types';
import { useServices } from '../app/services';

/** Progress streams open at once; browsers allow about six connections per server over HTTP/1.1. */
export const MAX_PROGRESS_STREAMS = 3;
export const POLL_MS = 1500;

export function isSettled(document: KnowledgeDocument): boolean {
  return document.status === 'indexed' || document.status === 'failed';
}

export interface Documents {
  documents: KnowledgeDocument[] | undefined;
  error: ShownError | undefined;
  /** A document the server just accepted (202), shown and followed at once. */
  added(document: KnowledgeDocument): void;
  removed(documentId: string): void;
  reload(): void;
}

export function useDocuments(baseId: string, onSettled?: (document: KnowledgeDocument) => void): Documents {
  const { api } = useServices();
  const [documents, setDocuments] = useState<KnowledgeDocument[] | undefined>(undefined);
  const [error, setError] = useState<ShownError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const streams = useRef(new Map<string, AbortController>());
  /** Documents whose stream ended early: polled from then on, not streamed again. */
  const polledOnly = useRef(new Set<string>());
  const settled = useRef(onSettled);
  settled.current = onSettled;

  /** Newer news wins: a settled document never goes back to processing from a stale answer. */
  const merge = useCallback((incoming: KnowledgeDocument[], replace: boolean) => {
    setDocuments((current) => {
      const known = new Map((current ?? []).map((d) => [d.id, d]));
      const fresher = (next: KnowledgeDocument) => {
        const before = known.get(next.id);
        if (before && isSettled(before) && !isSettled(next)) return before;
        if (before && before.updated_at > next.updated_at) return before;
        return next;
      };
      if (replace) return incoming.map(fresher);
      const updates = new Map(incoming.map((d) => [d.id, fresher(d)]));
      const kept = (current ?? []).map((d) => updates.get(d.id) ?? d);
      const fresh = incoming.filter((d) => !known.has(d.id)).map((d) => updates.get(d.id) ?? d);
      return [...fresh, ...kept];
    });
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    api.knowledge.documents(baseId, controller.signal).then((list) => {
      setError(undefined);
      merge(list.items, true);
    }, (caught: unknown) => {
      if (!controller.signal.aborted) setError(toShownError(caught));
    });
    return () => controller.abort();
  }, [api, baseId, generation, merge]);

  // Told once for each document seen unfinished that is now indexed or failed.
  const seenUnfinished = useRef(new Set<string>());
  useEffect(() => {
    for (const document of documents ?? []) {
      if (!isSettled(document)) seenUnfinished.current.add(document.id);
      else if (seenUnfinished.current.delete(document.id)) settled.current?.(document);
    }
  }, [documents]);

  // Streams for unfinished documents, up to the limit.
  useEffect(() => {
    // One the list already shows settled (a poll got there first) needs its stream no more.
    for (const document of documents ?? []) {
      if (isSettled(document)) streams.current.get(document.id)?.abort();
    }
    for (const document of documents ?? []) {
      if (streams.current.size >= MAX_PROGRESS_STREAMS) break;
      if (isSettled(document) || streams.current.has(document.id) || polledOnly.current.has(document.id)) continue;
      const controller = new AbortController();
      streams.current.set(document.id, controller);
      void (async () => {
        let last: KnowledgeDocument | undefined;
        try {
          for await (const update of streamDocumentProgress(api.client, baseId, document.id, controller.signal)) {
            last = update;
            merge([update], false);
            if (isSettled(update)) break;
          }
        } catch (caught) {
          if (isAbort(caught) || controller.signal.aborted) return;
        } finally {
          streams.current.delete(document.id);
        }
        if (!last || !isSettled(last)) polledOnly.current.add(document.id);
        // Frees the slot for the next unfinished document.
        setDocuments((current) => (current ? [...current] : current));
      })();
    }
  }, [api, baseId, documents, merge]);

  // Polling for what no stream follows.
  const unfollowed = (documents ?? []).some((d) => !isSettled(d) && !streams.current.has(d.id));
  useEffect(() => {
    if (!unfollowed) return undefined;
    const controller = new AbortController();
    const timer = setInterval(() => {
      api.knowledge.documents(baseId, controller.signal).then((list) => merge(list.items, true), () => undefined);
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [api, baseId, unfollowed, merge]);

  useEffect(() => () => {
    for (const controller of streams.current.values()) controller.abort();
    streams.current.clear();
  }, []);

  const added = useCallback((document: KnowledgeDocument) => merge([document], false), [merge]);
  const removed = useCallback((documentId: string) => {
    streams.current.get(documentId)?.abort();
    streams.current.delete(documentId);
    setDocuments((current) => current?.filter((d) => d.id !== documentId));
  }, []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { documents, error, added, removed, reload };
}
