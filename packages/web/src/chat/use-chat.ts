/**
 * One conversation on screen and the reply streaming into it: send, stop (on the server:
 * the partial reply is kept there as interrupted), resume after a dropped connection with
 * Last-Event-ID, and reload from the server when in doubt.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, NetworkError, toShownError, type ShownError } from '../api/api-error';
import { isAbort } from '../api/api-client';
import { resumeChat, streamChat, type ReceivedEvent } from '../api/chat-stream';
import type { SutazaiApi } from '../api/sutazai-api';
import type { ChatRequest } from '../api/types';
import { backoffDelay, sleep } from '../connection/backoff';
import { chatReducer, initialChatState, promptOf, type ChatState } from './chat-state';

/** Reconnect attempts after a stream was cut, about a minute in all. */
const MAX_RESUMES = 6;
/** How long a stop may take to be confirmed by the stream before the stored reply is read instead. */
const STOP_CONFIRM_MS = 10_000;

interface Run {
  replyKey: string;
  controller: AbortController;
  messageId: string | undefined;
  lastEventId: string | undefined;
  stopWanted: boolean;
}

export interface UseChatOptions {
  api: SutazaiApi;
  model: string;
  agent: string;
  /** Knowledge bases the next turns answer from, with citations. */
  knowledge?: readonly string[];
  /** A new conversation got its id (from message-start). */
  onConversationStarted?: (id: string) => void;
  /** A turn ended, one way or another: the conversation list may have changed. */
  onTurnEnded?: (conversationId: string | undefined) => void;
}

export interface Chat {
  state: ChatState;
  loading: boolean;
  loadError: ShownError | undefined;
  notice: ShownError | undefined;
  streaming: boolean;
  send(text: string): Promise<void>;
  stop(): Promise<void>;
  regenerate(replyKey: string): Promise<void>;
  open(conversationId: string | undefined): void;
  reload(): void;
  dismissNotice(): void;
  renamed(title: string): void;
}

let counter = 0;
const localKey = (kind: string) => `local-${kind}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function useChat(options: UseChatOptions): Chat {
  const { api } = options;
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<ShownError | undefined>(undefined);
  const [notice, setNotice] = useState<ShownError | undefined>(undefined);
  const run = useRef<Run | undefined>(undefined);
  const conversationId = useRef<string | undefined>(undefined);
  const loadController = useRef<AbortController | undefined>(undefined);
  const latest = useRef(options);
  latest.current = options;
  const reloadRef = useRef<() => void>(() => undefined);
  const messagesRef = useRef(state.messages);
  messagesRef.current = state.messages;

  const abortRun = useCallback(() => {
    run.current?.controller.abort();
    run.current = undefined;
  }, []);
  useEffect(() => () => {
    abortRun();
    loadController.current?.abort();
  }, [abortRun]);

  const requestStop = useCallback(async (current: Run) => {
    if (!current.messageId) return;
    const messageId = current.messageId;
    try {
      await api.stopStream(messageId);
    } catch (error) {
      // Not generating any more: it ended on its own, and its end event is on the way.
      if (!(error instanceof ApiError && error.code === 'STREAM_NOT_FOUND')) setNotice(toShownError(error));
    }
    // The stream confirms the stop with message-end (interrupted). If it does not, the stored
    // reply is the truth: read it rather than guess.
    setTimeout(() => {
      if (run.current === current && !current.controller.signal.aborted) {
        abortRun();
        reloadRef.current();
      }
    }, STOP_CONFIRM_MS);
  }, [api, abortRun]);

  /** Reads events until the final one; resumes with Last-Event-ID when the connection drops. */
  const follow = useCallback(async (current: Run, first: () => AsyncGenerator<ReceivedEvent>) => {
    let events = first();
    for (let attempt = 0; ; attempt++) {
      let final = false;
      try {
        for await (const { id, event } of events) {
          if (current.controller.signal.aborted) return;
          if (id) current.lastEventId = id;
          if (event.type === 'message-start') {
            current.messageId = event.message_id;
            const isNew = conversationId.current === undefined;
            conversationId.current = event.session_id;
            if (isNew) latest.current.onConversationStarted?.(event.session_id);
          }
          dispatch({ type: 'stream-event', replyKey: current.replyKey, event });
          if (event.type === 'message-start' && current.stopWanted) void requestStop(current);
          if (event.type === 'message-end' || event.type === 'error') {
            final = true;
            break;
          }
        }
      } catch (error) {
        if (isAbort(error) || current.controller.signal.aborted) return;
        // Only a lost connection is worth resuming; an answer from the server is shown as it is.
        if (!(error instanceof NetworkError) || !current.messageId) {
          dispatch({ type: 'stream-failed', replyKey: current.replyKey, error: toShownError(error) });
          break;
        }
      }
      if (final) break;
      if (!current.messageId) {
        dispatch({ type: 'stream-failed', replyKey: current.replyKey, error: { code: 'STREAM_CLOSED', message: 'The connection closed before the reply started.', hint: 'Send the message again; if it keeps happening, check /health/detailed on the status page.' } });
        break;
      }
      if (attempt >= MAX_RESUMES) {
        dispatch({ type: 'stream-failed', replyKey: current.replyKey, error: {
          code: 'CONNECTION_LOST',
          message: 'The connection to the server was lost while the reply was streaming.',
          hint: 'What was generated is stored as it streams. Open the conversation again once the server is back to read the stored reply.',
        } });
        break;
      }
      dispatch({ type: 'reconnecting', replyKey: current.replyKey, reconnecting: true });
      try {
        await sleep(backoffDelay(attempt), current.controller.signal);
      } catch {
        return;
      }
      events = resumeChat(api.client, current.messageId, current.lastEventId, current.controller.signal);
    }
    if (run.current === current) run.current = undefined;
    latest.current.onTurnEnded?.(conversationId.current);
  }, [api, requestStop]);

  const send = useCallback(async (text: string) => {
    const message = text.trim();
    if (!message || run.current) return;
    setNotice(undefined);
    const { model, agent, knowledge } = latest.current;
    const current: Run = { replyKey: localKey('reply'), controller: new AbortController(), messageId: undefined, lastEventId: undefined, stopWanted: false };
    run.current = current;
    dispatch({ type: 'send', userKey: localKey('user'), replyKey: current.replyKey, text: message, model: model || null });
    const body: ChatRequest = {
      message,
      ...(conversationId.current ? { session_id: conversationId.current } : {}),
      ...(model ? { model } : {}),
      ...(agent ? { agent } : {}),
      ...(knowledge && knowledge.length > 0 ? { knowledge: [...knowledge] } : {}),
    };
    await follow(current, () => streamChat(api.client, body, current.controller.signal));
  }, [api, follow]);

  const stop = useCallback(async () => {
    const current = run.current;
    if (!current) return;
    dispatch({ type: 'stop-requested', replyKey: current.replyKey });
    // Before message-start there is no id to stop yet: it is stopped as soon as it has one.
    if (!current.messageId) {
      current.stopWanted = true;
      return;
    }
    await requestStop(current);
  }, [requestStop]);

  const load = useCallback((id: string) => {
    loadController.current?.abort();
    const controller = new AbortController();
    loadController.current = controller;
    setLoading(true);
    setLoadError(undefined);
    api.conversations.get(id, controller.signal).then((conversation) => {
      if (controller.signal.aborted) return;
      dispatch({ type: 'loaded', conversation });
      setLoading(false);
      // A reply still generating (a reload mid-stream): follow it from the start.
      const generating = [...conversation.messages].reverse().find((m) => m.role === 'assistant' && m.status === 'generating');
      if (generating) {
        const current: Run = { replyKey: generating.id, controller: new AbortController(), messageId: generating.id, lastEventId: undefined, stopWanted: false };
        run.current = current;
        dispatch({ type: 'resume', replyKey: generating.id, fromStart: true });
        void follow(current, () => resumeChat(api.client, generating.id, undefined, current.controller.signal));
      }
    }, (error: unknown) => {
      if (controller.signal.aborted) return;
      setLoading(false);
      setLoadError(toShownError(error));
    });
  }, [api, follow]);

  const reloadFromServer = useCallback(() => {
    abortRun();
    if (conversationId.current) load(conversationId.current);
  }, [abortRun, load]);
  reloadRef.current = reloadFromServer;

  const open = useCallback((id: string | undefined) => {
    // The conversation this turn just created is already on screen.
    if (id !== undefined && id === conversationId.current) return;
    abortRun();
    loadController.current?.abort();
    conversationId.current = id;
    setNotice(undefined);
    setLoadError(undefined);
    setLoading(false);
    dispatch({ type: 'reset' });
    if (id !== undefined) load(id);
  }, [abortRun, load]);

  // Stable across deltas, so the messages on screen are not all rendered again for each one.
  const regenerate = useCallback(async (replyKey: string) => {
    const prompt = promptOf(messagesRef.current, replyKey);
    if (prompt) await send(prompt);
  }, [send]);

  return {
    state,
    loading,
    loadError,
    notice,
    streaming: state.activeReplyKey !== undefined,
    send,
    stop,
    regenerate,
    open,
    reload: reloadFromServer,
    dismissNotice: () => setNotice(undefined),
    renamed: (title: string) => dispatch({ type: 'renamed', title }),
  };
}
