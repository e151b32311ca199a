import type { ShownError } from '../api/api-error';

/** An error as the API explained it: what happened, what to do, and the id the log has. */
export function ErrorNotice({ error, title, onDismiss, testId }: { error: ShownError; title?: string; onDismiss?: () => void; testId?: string }) {
  return (
    <div className="error-notice" role="alert" data-testid={testId ?? 'error-notice'} data-code={error.code}>
      <p className="error-notice-message">
        {title && <strong>{title} </strong>}
        {error.message}
      </p>
      {error.hint && <p className="error-notice-hint">{error.hint}</p>}
      {error.requestId && <p className="error-notice-meta">Request id {error.requestId} ({error.code})</p>}
      {onDismiss && <button type="button" className="button-small" onClick={onDismiss}>Dismiss</button>}
    </div>
  );
}
