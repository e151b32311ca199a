import { memo, useState, type KeyboardEvent } from 'react';
import { Markdown } from '../markdown/markdown';
import { copyText } from '../markdown/code-block';
import { ErrorNotice } from '../ui/error-notice';
import type { ChatMessage } from './chat-state';
import { CitationList, useCitationLinks } from './citation-list';
import { ToolActivityList } from './tool-activity';
import { SpeakButton } from '../voice/speak-button';

export interface MessageActions {
  /** Absent while a reply streams: one turn at a time. */
  regenerate?: ((replyKey: string) => void) | undefined;
  resend?: ((text: string) => void) | undefined;
}

const STATUS_TEXT: Record<ChatMessage['status'], string> = {
  sending: 'sending',
  unsent: 'not sent',
  waiting: 'waiting for the first token',
  generating: 'generating',
  complete: 'complete',
  interrupted: 'interrupted',
  error: 'failed',
};

const LIMIT_TEXT: Record<string, string> = { steps: 'step', time: 'time', tokens: 'token' };

function who(role: string): string {
  return role === 'user' ? 'You' : role === 'assistant' ? 'JARVIS' : role;
}

/** The discreet line under a reply: model, tokens per second, time to first token. */
export function replyMeta(message: ChatMessage): string[] {
  const parts: string[] = [];
  if (message.model) parts.push(message.model);
  const timings = message.timings;
  if (timings?.tokensPerSecond != null) parts.push(`${timings.tokensPerSecond.toFixed(1)} tok/s`);
  if (timings?.timeToFirstTokenMs != null) parts.push(`first token ${formatMs(timings.timeToFirstTokenMs)}`);
  if (message.completionTokens) parts.push(`${message.completionTokens} tokens`);
  return parts;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export const MessageItem = memo(function MessageItem({ message, actions }: { message: ChatMessage; actions: MessageActions }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const isUser = message.role === 'user';
  const live = message.status === 'waiting' || message.status === 'generating';
  const meta = isUser ? [] : replyMeta(message);
  const citationLinks = useCitationLinks(message.key, isUser ? undefined : message.citations);

  const copy = async () => {
    try {
      await copyText(message.content);
      setCopied('Copied');
    } catch (error) {
      setCopied(`Copy failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    setTimeout(() => setCopied(undefined), 2500);
  };

  const submitEdit = () => {
    const text = draft.trim();
    if (!text || !actions.resend) return;
    setEditing(false);
    actions.resend(text);
  };

  const onEditKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submitEdit();
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      setEditing(false);
    }
  };

  return (
    <article
      className={`message message-${isUser ? 'user' : 'assistant'} message-${message.status}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      aria-label={`${who(message.role)}, ${STATUS_TEXT[message.status]}`}
      aria-busy={live || undefined}
    >
      <div className="message-author" aria-hidden="true">{who(message.role)}</div>
      {editing ? (
        <div className="message-edit">
          <label className="visually-hidden" htmlFor={`edit-${message.key}`}>Edit your message</label>
          <textarea id={`edit-${message.key}`} value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onEditKey} rows={Math.min(10, draft.split('\n').length + 1)} autoFocus data-testid="edit-input" />
          <p className="message-edit-note">Sent as a new message at the end of this conversation; the earlier ones stay.</p>
          <div className="message-actions">
            <button type="button" className="button-primary button-small" onClick={submitEdit} disabled={!actions.resend || !draft.trim()} data-testid="edit-send">Send</button>
            <button type="button" className="button-small" onClick={() => setEditing(false)}>Cancel</button>
          </div>
        </div>
      ) : (
        <>
          {message.toolCalls && message.toolCalls.length > 0 && <ToolActivityList calls={message.toolCalls} live={live} />}
          <div className="message-body">
            {isUser ? <p className="message-text">{message.content}</p> : message.content ? <Markdown text={message.content} citations={citationLinks} /> : null}
            {message.status === 'waiting' && <span className="typing" role="status" aria-label="JARVIS is preparing a reply"><span /><span /><span /></span>}
            {message.status === 'generating' && <span className="caret" aria-hidden="true" />}
          </div>
        </>
      )}
      {!editing && !isUser && message.citations && message.citations.length > 0 && <CitationList messageKey={message.key} citations={message.citations} />}
      {message.limitReached && (
        <p className="message-note limit-reached" role="note" data-testid="limit-reached" data-limit={message.limitReached.limit}>
          <strong>{LIMIT_TEXT[message.limitReached.limit] ? `Stopped at the agent's ${LIMIT_TEXT[message.limitReached.limit]} limit.` : 'Stopped at one of the agent\'s limits.'}</strong> {message.limitReached.message}
        </p>
      )}
      {message.reconnecting && <p className="message-note" role="status">Connection lost; reconnecting to the reply…</p>}
      {message.stopping && <p className="message-note" role="status">Stopping…</p>}
      {message.status === 'interrupted' && !message.limitReached && (
        <p className="message-note" data-testid="interrupted-note">
          {message.finishReason && message.finishReason !== 'stopped' ? `Interrupted (${message.finishReason}); the partial reply is kept.` : 'Stopped; the partial reply is kept.'}
        </p>
      )}
      {message.status === 'unsent' && (
        <p className="message-note">
          {message.unreachable ? 'Not sent: the server could not be reached (see below).' : 'Not stored: the server refused this message (see below).'}
        </p>
      )}
      {message.error && <ErrorNotice error={message.error} testId="message-error" />}
      {!editing && !live && (
        <div className="message-footer">
          {meta.length > 0 && <span className="message-meta" data-testid="message-meta">{meta.join(' · ')}</span>}
          <span className="message-actions">
            {message.content && <button type="button" className="button-small button-quiet" onClick={() => void copy()} aria-label="Copy message">{copied ?? 'Copy'}</button>}
            {!isUser && message.content && (message.status === 'complete' || message.status === 'interrupted') && <SpeakButton text={message.content} />}
            {isUser && actions.resend && (
              <button type="button" className="button-small button-quiet" onClick={() => { setDraft(message.content); setEditing(true); }} aria-label="Edit and resend" data-testid="edit-button">Edit</button>
            )}
            {!isUser && actions.regenerate && (
              <button type="button" className="button-small button-quiet" onClick={() => actions.regenerate?.(message.key)} aria-label="Regenerate this reply" data-testid="regenerate-button">Regenerate</button>
            )}
          </span>
        </div>
      )}
    </article>
  );
});
