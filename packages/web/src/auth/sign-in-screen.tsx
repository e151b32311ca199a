/**
 * Sign-in, and the first-run form that creates the administrator. GET /api/v1/auth/setup
 * (public, no secrets) says which to show: a server with no account yet gets the first-run
 * screen; later, sign-up is offered only when the administrator's policy allows it. A server
 * that cannot answer that question gets both forms and the choice is the person's.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { SetupState } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { useSession } from './session';

type Mode = 'sign-in' | 'create';
/** undefined while asking; null when the server could not say (an older server, a failure). */
type Setup = SetupState | null | undefined;

export function SignInScreen({ notice }: { notice?: string | undefined }) {
  const { api } = useServices();
  const [setup, setSetup] = useState<Setup>(undefined);
  const [mode, setMode] = useState<Mode>('sign-in');

  useEffect(() => {
    const controller = new AbortController();
    api.auth.setup(controller.signal).then(setSetup, () => {
      if (!controller.signal.aborted) setSetup(null);
    });
    return () => controller.abort();
  }, [api]);

  const firstRun = setup?.needs_admin === true;
  const signupOpen = setup === null || setup === undefined || setup.signup_policy !== 'closed';
  const shown: Mode = firstRun ? 'create' : mode;

  return (
    <main className="auth-screen">
      <div className="auth-card" data-testid={firstRun ? 'first-run' : 'sign-in-screen'}>
        <h1 className="auth-title"><span className="logo-dot" aria-hidden="true" /> JARVIS</h1>
        <p className="auth-subtitle">{firstRun ? 'Set up your self-hosted SutazAI assistant' : 'Your self-hosted SutazAI assistant'}</p>
        {notice && shown === 'sign-in' && <p className="notice" role="status">{notice}</p>}
        {setup === undefined ? (
          <p role="status" className="muted">Checking this server…</p>
        ) : shown === 'sign-in' ? <SignInForm /> : <CreateAccountForm setup={setup} onSignIn={() => setMode('sign-in')} />}
        {setup !== undefined && !firstRun && (
          <p className="auth-switch">
            {shown === 'create'
              ? <>Have an account? <button type="button" className="link-button" onClick={() => setMode('sign-in')}>Sign in</button></>
              : signupOpen
                ? <>{setup === null ? 'New server, or sign-up is open?' : 'No account yet?'} <button type="button" className="link-button" onClick={() => setMode('create')} data-testid="show-register">Create an account</button></>
                : <span data-testid="signup-closed">No account yet? Sign-up is closed on this server: ask an administrator to create one for you.</span>}
          </p>
        )}
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

function CreateAccountForm({ setup, onSignIn }: { setup: SetupState | null; onSignIn: () => void }) {
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
    <form className="form" onSubmit={(event) => void submit(event)} aria-label={setup?.needs_admin ? 'Create the administrator account' : 'Create an account'} data-testid="register-form">
      <p className="form-intro">{intro(setup)}</p>
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
      <button type="submit" className="button-primary" disabled={busy} data-testid="register-submit">{busy ? 'Creating…' : setup?.needs_admin ? 'Create the administrator' : 'Create account'}</button>
    </form>
  );
}

function intro(setup: SetupState | null) {
  if (setup === null) {
    return <>On a new server the first account becomes the <strong>administrator</strong>. After that, sign-up follows the administrator&apos;s policy (closed unless they open it).</>;
  }
  if (setup.needs_admin) return <>No account exists yet. The account you create now is the <strong>administrator</strong> of this server: it manages users and who may sign up.</>;
  if (setup.signup_policy === 'approval') return <>An administrator approves new accounts: you can sign in once yours is enabled.</>;
  return <>Sign-up is open on this server: your account works at once.</>;
}
