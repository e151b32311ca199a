/**
 * One agent run as it happens: its record (status, result, error), read again while it is
 * queued or running, and its reply's events (the same as a chat stream) folded by the chat
 * reducer into one reply, live or replayed. A dropped stream resumes with Last-Event-ID.
 */
import { useCallback, useEffect, useReducer, useState } from 'react';
import { isAbort } from '../api/api-client';
import { NetworkError, toShownError, type ShownError } from '../api/api-error';
import { streamRun } from '../api/chat-stream';
import type { Run } from '../api/types';
import { useServices } from '../app/services';
import { chatReducer, initialChatState, type ChatAction, type ChatMessage, type ChatState } from '../chat/chat-state';
import { backoffDelay, sleep } from '../connection/backoff';
import { isActive } from './run-status';

export const RUN_POLL_MS = 1000;
const MAX_RESUMES = 6;
const REPLY_KEY = 'run-reply';

const initialReply: ChatState = {
  ...initialChatState,
  messages: [{ key: REPLY_KEY, id: undefined, role: 'assistant', content: '', status: 'waiting', model: null }],
  activeReplyKey: REPLY_KEY,
};

/** The chat reducer over one reply; a reset (another attempt's reply) starts it again. */
function replyReducer(state: ChatState, action: ChatAction): ChatState {
  return action.type === 'reset' ? initialReply : chatReducer(state, action);
}

export interface RunView {
  run: Run | undefined;
  loadError: ShownError | undefined;
  /** The run's reply, once it has started. */
  reply: ChatMessage | undefined;
  streamError: ShownError | undefined;
  cancel(): Promise<void>;
  cancelling: boolean;
  cancelError: ShownError | undefined;
}

export function useRun(runId: string): RunView {
  const { api } = useServices();
  const [run, setRun] = useState<Run | undefined>(undefined);
  const [loadError, setLoadError] = useState<ShownError | undefined>(undefined);
  const [state, dispatch] = useReducer(replyReducer, initialReply);
  const [streamError, setStreamError] = useState<ShownError | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<ShownError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  // The record: read once, then again while the run is queued or running.
  useEffect(() => {
    const controller = new AbortController();
    api.runs.get(runId, controller.signal).then((answer) => {
      setRun(answer);
      setLoadError(undefined);
    }, (error: unknown) => {
      if (!controller.signal.aborted) setLoadError(toShownError(error));
    });
    return () => controller.abort();
  }, [api, runId, generation]);
  const active = run ? isActive(run) : false;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setGeneration((g) => g + 1), RUN_POLL_MS);
    return () => clearInterval(timer);
  }, [active]);

  // The events, once the run has a reply to stream.
  const messageId = run?.message_id ?? undefined;
  useEffect(() => {
    if (!messageId) return undefined;
    const controller = new AbortController();
    dispatch({ type: 'reset' });
    setStreamError(undefined);
    void (async () => {
      let lastEventId: string | undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          for await (const { id, event } of streamRun(api.client, runId, lastEventId, controller.signal)) {
            if (id) lastEventId = id;
            dispatch({ type: 'stream-event', replyKey: REPLY_KEY, event });
            if (event.type === 'message-end' || event.type === 'error') {
              // The record says how the run ended (its status is written just after the reply's end).
              setGeneration((g) => g + 1);
              return;
            }
          }
        } catch (error) {
          if (isAbort(error) || controller.signal.aborted) return;
          if (!(error instanceof NetworkError)) {
            setStreamError(toShownError(error));
            return;
          }
        }
        if (attempt >= MAX_RESUMES) {
          setStreamError({ code: 'CONNECTION_LOST', message: 'The connection to the run\'s events was lost.', hint: 'The run goes on on the server; open this page again to see how it ended.' });
          return;
        }
        dispatch({ type: 'reconnecting', replyKey: REPLY_KEY, reconnecting: true });
        try {
          await sleep(backoffDelay(attempt), controller.signal);
        } catch {
          return;
        }
      }
    })();
    return () => controller.abort();
  }, [api, runId, messageId]);

  const cancel = useCallback(async () => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      setRun(await api.runs.cancel(runId));
    } catch (error) {
      setCancelError(toShownError(error));
    } finally {
      setCancelling(false);
    }
  }, [api, runId]);

  return { run, loadError, reply: messageId ? state.messages[0] : undefined, streamError, cancel, cancelling, cancelError };
}
