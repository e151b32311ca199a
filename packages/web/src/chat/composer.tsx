import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { MicrophoneButton } from '../voice/microphone-button';
import { MAX_MESSAGE_CHARS } from './limits';

export interface ComposerProps {
  streaming: boolean;
  stopping: boolean;
  disabled?: boolean;
  disabledReason?: string | undefined;
  onSend(text: string): void;
  onStop(): void;
  /** Shown above the input: what the next message is sent with (knowledge bases). */
  children?: ReactNode;
}

/** Enter sends, Shift+Enter is a new line, Esc stops a reply (anywhere on the page, see ChatView). */
export function Composer({ streaming, stopping, disabled, disabledReason, onSend, onStop, children }: ComposerProps) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [text]);

  const sendable = (value: string) => !streaming && !disabled && value.trim().length > 0 && value.length <= MAX_MESSAGE_CHARS;
  const canSend = sendable(text);
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text);
    setText('');
  };

  // Spoken text joins what is typed; sent at once when the settings say so and nothing blocks it.
  const onTranscript = (spoken: string, send: boolean) => {
    const combined = text.trim() ? `${text.trimEnd()} ${spoken}` : spoken;
    if (send && sendable(combined)) {
      onSend(combined);
      setText('');
      return;
    }
    setText(combined);
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a message">
      {children && <div className="composer-tools">{children}</div>}
      <label htmlFor="composer-input" className="visually-hidden">Message JARVIS</label>
      <textarea
        id="composer-input"
        ref={input}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        rows={1}
        placeholder={disabledReason ?? 'Message JARVIS (Enter to send, Shift+Enter for a new line)'}
        aria-describedby="composer-help"
        data-testid="message-input"
        disabled={disabled}
        autoFocus
      />
      <span id="composer-help" className="visually-hidden">Enter sends, Shift+Enter adds a new line, Escape stops a reply.</span>
      {text.length > MAX_MESSAGE_CHARS && <p className="composer-warning" role="alert">The message is {text.length.toLocaleString()} characters; the limit is {MAX_MESSAGE_CHARS.toLocaleString()}.</p>}
      <MicrophoneButton disabled={disabled} onTranscript={onTranscript} />
      {streaming ? (
        <button type="button" className="button-stop" onClick={onStop} disabled={stopping} data-testid="stop-button" aria-label="Stop the reply (Escape)">
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button type="submit" className="button-primary" disabled={!canSend} data-testid="send-button" aria-label="Send message">Send</button>
      )}
    </form>
  );
}
