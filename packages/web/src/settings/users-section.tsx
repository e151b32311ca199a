/** Administrators: every account, new accounts, roles, enable or disable, password resets. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AdminUpdateUserRequest, User } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';

type Role = User['role'];

export function UsersSection({ me }: { me: User }) {
  const { api } = useServices();
  const [users, setUsers] = useState<User[] | undefined>(undefined);
  const listing = useAsyncAction();
  const changing = useAsyncAction();
  const { run: runListing } = listing;

  const load = useCallback(() => void runListing(async () => setUsers((await api.admin.listUsers()).items)), [api, runListing]);
  useEffect(load, [load]);

  const update = async (user: User, change: AdminUpdateUserRequest) => {
    const updated = await changing.run(() => api.admin.updateUser(user.id, change));
    if (updated) setUsers((current) => current?.map((u) => (u.id === updated.id ? updated : u)));
    return updated !== undefined;
  };

  return (
    <section className="settings-section" aria-labelledby="users-title">
      <h3 id="users-title">Users</h3>
      <CreateUserForm onCreated={(user) => setUsers((current) => [...(current ?? []), user])} />
      {changing.error && <ErrorNotice error={changing.error} />}
      {listing.error && <ErrorNotice error={listing.error} title="The users could not be listed." />}
      {users && (
        <div className="table-scroll">
          <table className="data-table">
            <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Password</th></tr></thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-testid="user-row" data-user-id={user.id}>
                  <th scope="row">{user.name}<br /><span className="muted">{user.email ?? '(no email)'}</span></th>
                  <td>
                    <select aria-label={`Role of ${user.name}`} value={user.role} disabled={changing.busy || user.id === me.id}
                      onChange={(e) => void update(user, { role: e.target.value as Role })}>
                      <option value="user">user</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td>
                    <button type="button" className="button-small" disabled={changing.busy || user.id === me.id}
                      onClick={() => void update(user, { disabled: !user.disabled })} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.name}`}>
                      {user.disabled ? 'Disabled: enable' : 'Enabled: disable'}
                    </button>
                  </td>
                  <td><PasswordReset user={user} onReset={(password) => update(user, { password })} busy={changing.busy} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PasswordReset({ user, onReset, busy }: { user: User; onReset: (password: string) => Promise<boolean>; busy: boolean }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  if (!open) {
    return <>
      <button type="button" className="button-small" onClick={() => { setOpen(true); setDone(false); }}>Reset</button>
      {done && <span className="muted" role="status"> Reset; signed out everywhere.</span>}
    </>;
  }
  return (
    <form className="form-row" onSubmit={(event) => {
      event.preventDefault();
      void onReset(password).then((ok) => {
        if (ok) {
          setOpen(false);
          setPassword('');
          setDone(true);
        }
      });
    }}>
      <label className="visually-hidden" htmlFor={`reset-${user.id}`}>New password for {user.name}</label>
      <input id={`reset-${user.id}`} type="password" autoComplete="new-password" minLength={8} maxLength={256} required value={password} onChange={(e) => setPassword(e.target.value)} placeholder="New password" />
      <button type="submit" className="button-small button-primary" disabled={busy}>Set</button>
      <button type="button" className="button-small" onClick={() => setOpen(false)}>Cancel</button>
    </form>
  );
}

function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const { api } = useServices();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const { busy, error, run } = useAsyncAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = await run(() => api.admin.createUser({ email, password, role, ...(name.trim() ? { name: name.trim() } : {}) }));
    if (!user) return;
    onCreated(user);
    setEmail('');
    setName('');
    setPassword('');
    setRole('user');
  };

  return (
    <form className="form create-user" onSubmit={(event) => void submit(event)} aria-label="Create a user">
      <div className="form-row">
        <label className="field field-grow"><span>Email</span><input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="new-user-email" /></label>
        <label className="field field-grow"><span>Name (optional)</span><input maxLength={100} value={name} onChange={(e) => setName(e.target.value)} /></label>
      </div>
      <div className="form-row">
        <label className="field field-grow"><span>Password (8+ characters)</span><input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="new-user-password" /></label>
        <label className="field"><span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}><option value="user">user</option><option value="admin">admin</option></select>
        </label>
        <button type="submit" className="button-primary" disabled={busy} data-testid="new-user-submit">Create user</button>
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
