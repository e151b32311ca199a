/** Administrators: who may create an account. */
import { useEffect, useState } from 'react';
import type { SignupPolicy } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

const POLICIES: { value: SignupPolicy; label: string; detail: string }[] = [
  { value: 'closed', label: 'Closed', detail: 'Only administrators create accounts.' },
  { value: 'approval', label: 'Approval', detail: 'Anyone may sign up; the account stays disabled until an administrator enables it.' },
  { value: 'open', label: 'Open', detail: 'Anyone who reaches this server may create an account and use it at once.' },
];

export function SignupPolicySection() {
  const { api } = useServices();
  const [policy, setPolicy] = useState<SignupPolicy | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const loading = useAsyncAction();
  const saving = useAsyncAction();
  const { run: runLoading } = loading;

  useEffect(() => {
    void runLoading(async () => setPolicy((await api.admin.settings()).signup_policy));
  }, [api, runLoading]);

  // The choice shows at once; the server's answer confirms it, or puts the old one back.
  const choose = async (value: SignupPolicy) => {
    const previous = policy;
    setSaved(false);
    setPolicy(value);
    const answer = await saving.run(() => api.admin.updateSettings({ signup_policy: value }));
    setPolicy(answer ? answer.signup_policy : previous);
    if (answer) setSaved(true);
  };

  return (
    <section className="settings-section" aria-labelledby="signup-title">
      <h3 id="signup-title">Sign-up policy</h3>
      {loading.error && <ErrorNotice error={loading.error} />}
      {policy && (
        <fieldset className="radio-group" disabled={saving.busy}>
          <legend className="visually-hidden">Who may create an account</legend>
          {POLICIES.map((option) => (
            <label key={option.value} className="radio">
              <input type="radio" name="signup-policy" value={option.value} checked={policy === option.value} onChange={() => void choose(option.value)} data-testid={`signup-${option.value}`} />
              <span><strong>{option.label}</strong>: {option.detail}</span>
            </label>
          ))}
        </fieldset>
      )}
      {saved && <p className="muted" role="status">Saved.</p>}
      {saving.error && <ErrorNotice error={saving.error} />}
    </section>
  );
}
