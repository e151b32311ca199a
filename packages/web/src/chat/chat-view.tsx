/** The chat screen: the conversation, the composer, and what to do when there is no model. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useServices } from '../app/services';
import type { Catalog } from '../models/use-catalog';
import { NoModelSetup } from '../setup/no-model-setup';
import { ErrorNotice } from '../ui/error-notice';
import { Composer } from './composer';
import { KnowledgePicker, type AttachedBase } from './knowledge-picker';
import { MessageList } from './message-list';
import type { ChatMessage } from './chat-state';
import type { MessageActions } from './message-item';
import { useChat } from './use-chat';
import { HandsFree } from '../voice/hands-free';

export interface ChatViewProps {
  conversationId: string | undefined;
  /** False while another page is shown: the chat stays mounted but Esc is not its to take. */
  visible?: boolean;
  catalog: Catalog;
  onConversationStarted(id: string): void;
  onTurnEnded(): void;
  onNewChat(): void;
}

export function ChatView({ conversationId, visible = true, catalog, onConversationStarted, onTurnEnded, onNewChat }: ChatViewProps) {
  const { api } = useServices();
  const knowledge = useAttachedKnowledge(conversationId);
  const started = useCallback((id: string) => {
    knowledge.keepFor(id);
    onConversationStarted(id);
  }, [knowledge, onConversationStarted]);
  const knowledgeIds = useMemo(() => knowledge.attached.map((base) => base.id), [knowledge.attached]);
  const chat = useChat({ api, model: catalog.model, agent: catalog.agent, knowledge: knowledgeIds, onConversationStarted: started, onTurnEnded });
  const { open } = chat;

  useEffect(() => {
    open(conversationId);
  }, [conversationId, open]);

  // Esc stops the reply from anywhere on the page (an open editor handles its own Esc first).
  const { streaming, stop } = chat;
  useEffect(() => {
    if (!streaming || !visible) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) void stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [streaming, visible, stop]);

  const { send, regenerate } = chat;
  const actions = useMemo<MessageActions>(() => (streaming ? {} : {
    regenerate: (replyKey) => void regenerate(replyKey),
    resend: (text) => void send(text),
  }), [streaming, regenerate, send]);

  // A hands-free turn is stored by the server: show it in the conversation (a new one opens).
  const { reload } = chat;
  const handsFreeTurn = useCallback((sessionId: string) => {
    if (sessionId === conversationId) reload();
    else started(sessionId);
  }, [conversationId, reload, started]);

  const noModel = catalog.models?.count === 0;
  const messages = chat.state.messages;
  const active = messages.find((m) => m.key === chat.state.activeReplyKey);
  const announcement = streaming ? '' : announce(messages[messages.length - 1]);

  const title = chat.state.title;
  useEffect(() => {
    if (visible) document.title = title ? `${title} · JARVIS` : 'JARVIS · SutazAI';
  }, [title, visible]);

  return (
    <section className="chat" aria-label={chat.state.title ?? 'New conversation'}>
      {chat.loadError ? (
        <div className="chat-empty">
          <ErrorNotice error={chat.loadError} title="This conversation could not be opened." />
          <button type="button" className="button-secondary" onClick={onNewChat}>Start a new conversation</button>
        </div>
      ) : chat.loading ? (
        <div className="chat-empty" role="status">Opening the conversation…</div>
      ) : messages.length === 0 ? (
        noModel ? <div className="chat-scroll"><NoModelSetup onModelsChanged={catalog.reload} /></div> : <Welcome />
      ) : (
        <MessageList messages={messages} actions={actions} conversationKey={chat.state.conversationId ?? 'new'} />
      )}
      <p className="visually-hidden" role="status" aria-live="polite">{announcement}</p>
      {catalog.modelsError && <ErrorNotice error={catalog.modelsError} title="The models could not be listed." />}
      {chat.notice && <ErrorNotice error={chat.notice} onDismiss={chat.dismissNotice} />}
      <Composer
        streaming={streaming}
        stopping={active?.stopping ?? false}
        disabled={noModel}
        disabledReason={noModel ? 'No model is available yet: see above for the three ways to get one.' : undefined}
        onSend={(text) => void send(text)}
        onStop={() => void stop()}
      >
        {!noModel && <KnowledgePicker attached={knowledge.attached} onChange={knowledge.set} />}
        {!noModel && <HandsFree conversationId={conversationId} model={catalog.model} agent={catalog.agent} disabled={streaming} onTurnStored={handsFreeTurn} />}
      </Composer>
    </section>
  );
}

/**
 * The knowledge bases attached to each conversation's next turns, for as long as this page
 * is open: a new conversation starts with none, and keeps what was attached when it began.
 */
function useAttachedKnowledge(conversationId: string | undefined) {
  const [attached, setAttached] = useState<AttachedBase[]>([]);
  const byConversation = useRef(new Map<string, AttachedBase[]>());
  const current = useRef({ conversationId, attached });
  current.current = { conversationId, attached };

  useEffect(() => {
    setAttached(conversationId ? byConversation.current.get(conversationId) ?? [] : []);
  }, [conversationId]);

  const set = useCallback((next: AttachedBase[]) => {
    setAttached(next);
    const id = current.current.conversationId;
    if (id) byConversation.current.set(id, next);
  }, []);
  const keepFor = useCallback((id: string) => {
    byConversation.current.set(id, current.current.attached);
  }, []);
  return useMemo(() => ({ attached, set, keepFor }), [attached, set, keepFor]);
}

/** What a screen reader hears when a reply ends (the list itself is not read out as it streams). */
function announce(last: ChatMessage | undefined): string {
  if (!last || last.role !== 'assistant') return '';
  if (last.status === 'complete') return 'JARVIS replied.';
  if (last.status === 'interrupted') return 'The reply was stopped; the partial reply is kept.';
  if (last.status === 'error') return `The reply failed: ${last.error?.message ?? 'unknown error'}`;
  return '';
}

function Welcome() {
  return (
    <div className="chat-empty">
      <div className="welcome">
        <span className="logo-dot logo-large" aria-hidden="true" />
        <h2>How can I help?</h2>
        <p>Replies stream as they are written. Enter sends, Shift+Enter adds a line, Esc stops a reply.</p>
      </div>
    </div>
  );
}
