/**
 * The hands-free toggle and, while it is on, what JARVIS is doing (listening, hearing,
 * thinking, speaking), what was heard and the reply as it is written and spoken.
 */
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { startHandsFree, type HandsFreeSession, type HandsFreeSnapshot, type HandsFreeStatus } from './hands-free-session';
import { readVoiceSettings, speechOptions } from './voice-settings';

export interface HandsFreeProps {
  conversationId: string | undefined;
  /** '' is the server's default. */
  model: string;
  agent: string;
  disabled?: boolean | undefined;
  onTurnStored(sessionId: string): void;
}

const STATUS_TEXT: Record<HandsFreeStatus, string> = {
  connecting: 'Connecting…',
  listening: 'Listening',
  hearing: 'Hearing you',
  thinking: 'Thinking',
  speaking: 'Speaking',
  closed: 'Off',
};

export function HandsFree({ conversationId, model, agent, disabled, onTurnStored }: HandsFreeProps) {
  const { api } = useServices();
  const [snapshot, setSnapshot] = useState<HandsFreeSnapshot | undefined>(undefined);
  const session = useRef<HandsFreeSession | undefined>(undefined);
  const turnStored = useRef(onTurnStored);
  turnStored.current = onTurnStored;

  useEffect(() => () => session.current?.close(), []);

  const on = snapshot !== undefined && snapshot.status !== 'closed';
  // Another conversation opened: this one's turns no longer belong on screen.
  const sessionId = snapshot?.sessionId;
  useEffect(() => {
    if (on && conversationId !== undefined && sessionId && conversationId !== sessionId) {
      session.current?.close();
      session.current = undefined;
    }
  }, [on, conversationId, sessionId]);
  const toggle = () => {
    if (on) {
      session.current?.close();
      session.current = undefined;
      return;
    }
    session.current = startHandsFree({
      url: api.voice.socketUrl(),
      start: {
        ...(conversationId ? { session_id: conversationId } : {}),
        ...(model ? { model } : {}),
        ...(agent ? { agent } : {}),
        ...speechOptions(readVoiceSettings()),
        mode: 'conversation',
        barge_in: true,
      },
      onChange: setSnapshot,
      onTurnStored: (id) => turnStored.current(id),
    });
  };

  const status = snapshot?.status ?? 'closed';
  const busy = status === 'thinking' || status === 'speaking';
  return (
    <>
      <button
        type="button"
        className={`button-small hands-free-toggle${on ? ' is-on' : ''}`}
        onClick={toggle}
        disabled={disabled && !on}
        aria-pressed={on}
        aria-label={on ? 'Turn hands-free mode off' : 'Turn hands-free mode on: talk and JARVIS answers aloud'}
        data-testid="hands-free-toggle"
      >
        Hands-free {on ? 'on' : 'off'}
      </button>
      {snapshot && (on || snapshot.error) && (
        <div className="hands-free-panel" data-testid="hands-free-panel" data-status={status}>
          {on && (
            <div className="hands-free-state">
              <span className={`hands-free-dot hands-free-${status}`} aria-hidden="true" />
              <span role="status" aria-live="polite" data-testid="hands-free-status">{STATUS_TEXT[status]}</span>
              {busy && <button type="button" className="button-small" onClick={() => session.current?.stopReply()} data-testid="hands-free-stop">Stop reply</button>}
            </div>
          )}
          {on && snapshot.transcript && <p className="hands-free-transcript" data-testid="hands-free-transcript"><strong>You said:</strong> {snapshot.transcript}</p>}
          {on && snapshot.reply && <p className="hands-free-reply" data-testid="hands-free-reply"><strong>JARVIS:</strong> {snapshot.reply}</p>}
          {snapshot.error && <ErrorNotice error={snapshot.error} title="Hands-free:" onDismiss={() => setSnapshot({ ...snapshot, error: undefined })} testId="hands-free-error" />}
        </div>
      )}
    </>
  );
}
