/**
 * The sidebar: new chat, search, and the conversations newest first, loading the next page
 * when the end of the list scrolls into view. Each one can be renamed, exported or deleted.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { ConversationSummary, ExportFormat } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import type { ConversationListState } from './use-conversation-list';

export interface ConversationSidebarProps {
  list: ConversationListState;
  activeId: string | undefined;
  onOpen(id: string): void;
  onNewChat(): void;
  onDeleted(id: string): void;
  onRenamed(id: string, title: string): void;
}

export function ConversationSidebar({ list, activeId, onOpen, onNewChat, onDeleted, onRenamed }: ConversationSidebarProps) {
  const end = useRef<HTMLDivElement>(null);
  const { loadMore, hasMore } = list;

  useEffect(() => {
    const element = end.current;
    if (!element || !hasMore || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    }, { rootMargin: '200px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, [loadMore, hasMore]);

  return (
    <nav className="sidebar-content" aria-label="Conversations">
      <button type="button" className="button-primary new-chat" onClick={onNewChat} data-testid="new-chat">+ New chat</button>
      <label className="visually-hidden" htmlFor="conversation-search">Search conversations</label>
      <input
        id="conversation-search"
        type="search"
        className="search"
        placeholder="Search conversations"
        value={list.query}
        onChange={(e) => list.setQuery(e.target.value)}
        data-testid="conversation-search"
      />
      {list.error && <ErrorNotice error={list.error} title="The conversations could not be listed." />}
      <ul className="conversation-list" data-testid="conversation-list">
        {list.items.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            active={conversation.id === activeId}
            onOpen={onOpen}
            onRenamed={(title) => {
              list.patch(conversation.id, { title });
              onRenamed(conversation.id, title);
            }}
            onDeleted={() => {
              list.patch(conversation.id, null);
              onDeleted(conversation.id);
            }}
          />
        ))}
      </ul>
      {!list.loading && !list.error && list.items.length === 0 && (
        <p className="muted sidebar-empty">{list.query.trim() ? 'No conversation matches.' : 'No conversations yet.'}</p>
      )}
      <div ref={end} className="list-end">
        {list.loading && <span role="status">Loading…</span>}
        {!list.loading && list.hasMore && <button type="button" className="button-small" onClick={list.loadMore}>Load more</button>}
      </div>
    </nav>
  );
}

function ConversationItem({ conversation, active, onOpen, onRenamed, onDeleted }: {
  conversation: ConversationSummary;
  active: boolean;
  onOpen(id: string): void;
  onRenamed(title: string): void;
  onDeleted(): void;
}) {
  const { api } = useServices();
  const [mode, setMode] = useState<'idle' | 'menu' | 'rename' | 'delete'>('idle');
  const [title, setTitle] = useState(conversation.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | undefined>(undefined);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(toShownError(caught));
    } finally {
      setBusy(false);
    }
  };

  const rename = (event: FormEvent) => {
    event.preventDefault();
    const next = title.trim();
    if (!next) return;
    void act(async () => {
      await api.conversations.rename(conversation.id, { title: next });
      onRenamed(next);
      setMode('idle');
    });
  };

  const download = (format: ExportFormat) => void act(async () => {
    const { filename, blob } = await api.conversations.export(conversation.id, format);
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setMode('idle');
  });

  return (
    <li className={`conversation-item${active ? ' active' : ''}`} data-testid="conversation-item" data-conversation-id={conversation.id}>
      {mode === 'rename' ? (
        <form className="rename-form" onSubmit={rename}>
          <label className="visually-hidden" htmlFor={`rename-${conversation.id}`}>New title</label>
          <input id={`rename-${conversation.id}`} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} autoFocus data-testid="rename-input"
            onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); setMode('idle'); } }} />
          <button type="submit" className="button-small button-primary" disabled={busy || !title.trim()}>Save</button>
          <button type="button" className="button-small" onClick={() => setMode('idle')}>Cancel</button>
        </form>
      ) : (
        <div className="conversation-row">
          <button type="button" className="conversation-open" onClick={() => onOpen(conversation.id)} aria-current={active ? 'page' : undefined} title={conversation.title}>
            <span className="conversation-title">{conversation.title}</span>
            <span className="conversation-meta">{relativeTime(conversation.updated_at)} · {conversation.message_count} messages</span>
          </button>
          <button type="button" className="icon-button" aria-label={`Actions for ${conversation.title}`} aria-expanded={mode !== 'idle'} onClick={() => setMode(mode === 'idle' ? 'menu' : 'idle')} data-testid="conversation-actions">⋯</button>
        </div>
      )}
      {mode === 'menu' && (
        <div className="conversation-menu" role="group" aria-label={`Actions for ${conversation.title}`}>
          <button type="button" className="button-small" onClick={() => { setTitle(conversation.title); setMode('rename'); }} data-testid="conversation-rename">Rename</button>
          <button type="button" className="button-small" onClick={() => download('md')} disabled={busy}>Export Markdown</button>
          <button type="button" className="button-small" onClick={() => download('json')} disabled={busy}>Export JSON</button>
          <button type="button" className="button-small button-danger" onClick={() => setMode('delete')} data-testid="conversation-delete">Delete</button>
        </div>
      )}
      {mode === 'delete' && (
        <div className="conversation-menu" role="group" aria-label="Confirm deletion">
          <span>Delete this conversation and its messages?</span>
          <button type="button" className="button-small button-danger" disabled={busy} data-testid="conversation-delete-confirm"
            onClick={() => void act(async () => {
              await api.conversations.remove(conversation.id);
              onDeleted();
            })}>Delete</button>
          <button type="button" className="button-small" onClick={() => setMode('idle')}>Keep</button>
        </div>
      )}
      {error && <ErrorNotice error={error} onDismiss={() => setError(undefined)} />}
    </li>
  );
}

function relativeTime(iso: string): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return '';
  const minutes = Math.round((Date.now() - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(then).toLocaleDateString();
}
