import { useUser } from '../auth/session';
import { ApiKeysSection } from './api-keys-section';
import { PasswordSection } from './password-section';
import { SignupPolicySection } from './signup-policy-section';
import { UsersSection } from './users-section';
import { VoiceSettingsSection } from '../voice/voice-settings-section';

export function SettingsPage() {
  const { user, singleUser } = useUser();
  return (
    <section className="page" aria-labelledby="settings-title">
      <div className="page-header"><h2 id="settings-title">Settings</h2></div>
      <section className="settings-section" aria-labelledby="account-title">
        <h3 id="account-title">Account</h3>
        <dl className="account-facts">
          <dt>Name</dt><dd>{user.name}</dd>
          <dt>Email</dt><dd>{user.email ?? '(none)'}</dd>
          <dt>Role</dt><dd>{user.role}</dd>
        </dl>
        {singleUser
          ? <p className="muted">This server runs with AUTH=disabled: everyone who reaches it acts as this local administrator.</p>
          : <PasswordSection />}
      </section>
      <VoiceSettingsSection />
      <ApiKeysSection />
      {user.role === 'admin' && <UsersSection me={user} />}
      {user.role === 'admin' && <SignupPolicySection />}
    </section>
  );
}
