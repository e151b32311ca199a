/**
 * Sign-in, and the first-run form that creates the administrator. The server has no
 * anonymous "does any account exist?" question, so the choice is the person's: a new server
 * is set up with the second form, and the server's answer says what happened (the first
 * account becomes admin; later ones follow the sign-up policy, closed by default).
 */
import { useState, type FormEvent } from 'react';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { useSession } from './session';

type Mode = 'sign-in' | 'create';

export function SignInScreen({ notice }: { notice?: string | undefined }) {
  const [mode, setMode] = useState<Mode>('sign-in');
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <h1 className="auth-title"><span className="logo-dot" aria-hidden="true" /> JARVIS</h1>
        <p className="auth-subtitle">Your self-hosted SutazAI assistant</p>
        {notice && mode === 'sign-in' && <p className="notice" role="status">{notice}</p>}
        {mode === 'sign-in' ? <SignInForm /> : <CreateAccountForm onSignIn={() => setMode('sign-in')} />}
        <p className="auth-switch">
          {mode === 'sign-in'
            ? <>New server, or sign-up is open? <button type="button" className="link-button" onClick={() => setMode('create')}>Create an account</button></>
            : <>Have an account? <button type="button" className="link-button" onClick={() => setMode('sign-in')}>Sign in</button></>}
        </p>
      </div>
    </main>
  );
}

function SignInForm() {
  const { api } = useServices();
  const { signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await run(() => api.auth.login({ email, password }));
    if (answer) signedIn(answer.user);
  };

  return (
    <form className="form" onSubmit={(event) => void submit(event)} aria-label="Sign in" data-testid="sign-in-form">
      <label className="field">
        <span>Email</span>
        <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="sign-in-email" autoFocus />
      </label>
      <label className="field">
        <span>Password</span>
        <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="sign-in-password" />
      </label>
      {error && <ErrorNotice error={error} testId="sign-in-error" />}
      <button type="submit" className="button-primary" disabled={busy} data-testid="sign-in-submit">{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}

function CreateAccountForm({ onSignIn }: { onSignIn: () => void }) {
  const { api } = useServices();
  const { signedIn } = useSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [pending, setPending] = useState(false);
  const { busy, error, setError, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) {
      setError({ code: 'PASSWORDS_DIFFER', message: 'The two passwords are not the same.', hint: 'Type the same password in both fields.' });
      return;
    }
    const created = await run(() => api.auth.register({ email, password, ...(name.trim() ? { name: name.trim() } : {}) }));
    if (!created) return;
    if (created.pending) {
      setPending(true);
      return;
    }
    const session = await run(() => api.auth.login({ email, password }));
    if (session) signedIn(session.user);
  };

  if (pending) {
    return (
      <div className="notice" role="status" data-testid="register-pending">
        <p>Your account was created and waits for an administrator's approval. You can sign in once it is enabled.</p>
        <button type="button" className="button-secondary" onClick={onSignIn}>Back to sign-in</button>
      </div>
    );
  }

  return (
    <form className="form" onSubmit={(event) => void submit(event)} aria-label="Create an account" data-testid="register-form">
      <p className="form-intro">
        On a new server the first account becomes the <strong>administrator</strong>. After that, sign-up follows the
        administrator's policy (closed unless they open it).
      </p>
      <label className="field">
        <span>Name (optional)</span>
        <input autoComplete="name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} data-testid="register-name" />
      </label>
      <label className="field">
        <span>Email</span>
        <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="register-email" />
      </label>
      <label className="field">
        <span>Password (at least 8 characters)</span>
        <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="register-password" />
      </label>
      <label className="field">
        <span>Password again</span>
        <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="register-confirm" />
      </label>
      {error && <ErrorNotice error={error} testId="register-error" />}
      <button type="submit" className="button-primary" disabled={busy} data-testid="register-submit">{busy ? 'Creating…' : 'Create account'}</button>
    </form>
  );
}
