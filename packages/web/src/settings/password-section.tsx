/** Your password: the current one, then the new one twice. Every other session is signed out. */
import { useState, type FormEvent } from 'react';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

export function PasswordSection() {
  const { api } = useServices();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState<string | undefined>(undefined);
  const { busy, error, setError, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    if (next !== confirm) {
      setError({ code: 'PASSWORDS_DIFFER', message: 'The two new passwords are not the same.', hint: 'Type the same new password in both fields.' });
      return;
    }
    const answer = await run(() => api.auth.changePassword({ current_password: current, new_password: next }));
    if (!answer) return;
    setCurrent('');
    setNext('');
    setConfirm('');
    const others = answer.other_sessions_ended;
    setDone(`Password changed. ${others === 0 ? 'No other session was signed in.' : `${others} other ${others === 1 ? 'session was' : 'sessions were'} signed out.`} API keys keep working.`);
  };

  return (
    <form className="form password-form" onSubmit={(event) => void submit(event)} aria-labelledby="password-title" data-testid="password-form">
      <h4 id="password-title">Change your password</h4>
      <label className="field">
        <span>Current password</span>
        <input type="password" autoComplete="current-password" required maxLength={256} value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="password-current" />
      </label>
      <div className="form-row">
        <label className="field field-grow">
          <span>New password (at least 8 characters)</span>
          <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={next} onChange={(e) => setNext(e.target.value)} data-testid="password-new" />
        </label>
        <label className="field field-grow">
          <span>New password again</span>
          <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="password-confirm" />
        </label>
      </div>
      {error && <ErrorNotice error={error} testId="password-error" />}
      {done && <p className="muted" role="status" data-testid="password-changed">{done}</p>}
      <button type="submit" className="button-primary" disabled={busy} data-testid="password-submit">{busy ? 'Changing…' : 'Change password'}</button>
    </form>
  );
}
