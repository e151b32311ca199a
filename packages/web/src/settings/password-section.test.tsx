import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, json, user } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const settingsRoutes = {
  'GET /api/v1/auth/api-keys': () => json({ items: [] }),
  'GET /api/v1/admin/users': () => json({ items: [user] }),
  'GET /api/v1/admin/settings': () => json({ signup_policy: 'closed' }),
};

/** A session cookie sign-in (not AUTH=disabled): the CSRF cookie is what tells them apart. */
const signedInWithCookie = () => {
  document.cookie = 'sutazai_csrf=csrf-value-0123456789; Path=/';
};

async function fill(current: string, next: string, confirm = next) {
  fireEvent.change(await screen.findByTestId('password-current'), { target: { value: current } });
  fireEvent.change(screen.getByTestId('password-new'), { target: { value: next } });
  fireEvent.change(screen.getByTestId('password-confirm'), { target: { value: confirm } });
  fireEvent.submit(screen.getByTestId('password-form'));
}

describe('changing your password', () => {
  it('sends the current and the new password, and says how many other sessions were signed out', async () => {
    signedInWithCookie();
    const fake = renderApp({
      ...settingsRoutes,
      'POST /api/v1/auth/password': () => json({ user, other_sessions_ended: 2, token: 'sut_new', expires_at: '2030-01-01T00:00:00.000Z' }),
    }, '/settings');
    await fill('old passphrase', 'new passphrase');
    expect((await screen.findByTestId('password-changed')).textContent).toContain('2 other sessions were signed out');
    const request = fake.requests.find((r) => r.path === '/api/v1/auth/password');
    expect(request?.body).toEqual({ current_password: 'old passphrase', new_password: 'new passphrase' });
    expect(request?.headers['x-csrf-token']).toBe('csrf-value-0123456789');
    expect((screen.getByTestId('password-current') as HTMLInputElement).value).toBe('');
    // Still signed in: the server replaced this browser's session.
    expect(screen.getByTestId('sign-out')).toBeTruthy();
  });

  it('shows the server\'s error when the current password is wrong', async () => {
    signedInWithCookie();
    renderApp({
      ...settingsRoutes,
      'POST /api/v1/auth/password': () => apiError(403, 'CURRENT_PASSWORD_WRONG', 'The current password is wrong.', 'Type the password you sign in with now.'),
    }, '/settings');
    await fill('not it', 'new passphrase');
    const error = await screen.findByTestId('password-error');
    expect(error.getAttribute('data-code')).toBe('CURRENT_PASSWORD_WRONG');
    expect(error.textContent).toContain('Type the password you sign in with now.');
    expect(screen.queryByTestId('password-changed')).toBeNull();
  });

  it('does not send two different new passwords', async () => {
    signedInWithCookie();
    const fake = renderApp(settingsRoutes, '/settings');
    await fill('old passphrase', 'new passphrase', 'other passphrase');
    await waitFor(() => expect(screen.getByTestId('password-error').textContent).toContain('not the same'));
    expect(fake.requests.some((r) => r.path === '/api/v1/auth/password')).toBe(false);
  });

  it('is not offered with AUTH=disabled, where nobody has a password', async () => {
    renderApp({ ...settingsRoutes, 'GET /api/v1/auth/me': () => json({ ...user, id: 'local', email: null, name: 'Local user' }) }, '/settings');
    expect((await screen.findByRole('heading', { name: 'Account' })).closest('section')?.textContent).toContain('AUTH=disabled');
    expect(screen.queryByTestId('password-form')).toBeNull();
  });
});
