import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, json, user } from '../test/fake-api';
import { renderApp, setUpAppTests } from '../test/render-app';

setUpAppTests();

const signedOut = { 'GET /api/v1/auth/me': () => apiError(401, 'UNAUTHENTICATED', 'Sign in first.') };
const setup = (state: { needs_admin: boolean; signup_policy: 'open' | 'approval' | 'closed' }) => ({ 'GET /api/v1/auth/setup': () => json({ auth_enabled: true, ...state }) });

describe('the first screen', () => {
  it('shows only the create-admin form on a server without accounts, then signs the new admin in', async () => {
    const fake = renderApp({
      ...signedOut,
      ...setup({ needs_admin: true, signup_policy: 'open' }),
      'POST /api/v1/auth/register': () => json({ user, pending: false }, 201),
      'POST /api/v1/auth/login': () => json({ token: 't', expires_at: '2030-01-01T00:00:00.000Z', user }),
    });
    const firstRun = await screen.findByTestId('first-run');
    expect(firstRun.textContent).toContain('administrator');
    expect(screen.queryByTestId('sign-in-form')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign in' })).toBeNull();
    fireEvent.change(screen.getByTestId('register-email'), { target: { value: 'admin@example.com' } });
    fireEvent.change(screen.getByTestId('register-password'), { target: { value: 'a long passphrase' } });
    fireEvent.change(screen.getByTestId('register-confirm'), { target: { value: 'a long passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create the administrator' }));
    expect(await screen.findByTestId('message-input')).toBeTruthy();
    expect(fake.requests.find((r) => r.path === '/api/v1/auth/register')?.body).toEqual({ email: 'admin@example.com', password: 'a long passphrase' });
  });

  it('offers no sign-up when the policy is closed, and says whom to ask', async () => {
    renderApp({ ...signedOut, ...setup({ needs_admin: false, signup_policy: 'closed' }) });
    expect(await screen.findByTestId('sign-in-form')).toBeTruthy();
    expect(screen.getByTestId('signup-closed').textContent).toContain('ask an administrator');
    expect(screen.queryByRole('button', { name: 'Create an account' })).toBeNull();
  });

  it('offers sign-up when it is open, and says approval is needed under that policy', async () => {
    renderApp({ ...signedOut, ...setup({ needs_admin: false, signup_policy: 'approval' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Create an account' }));
    expect(screen.getByTestId('register-form').textContent).toContain('An administrator approves new accounts');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByTestId('sign-in-form')).toBeTruthy();
  });

  it('offers both forms when the server cannot say (an older server)', async () => {
    renderApp({ ...signedOut });
    expect(await screen.findByTestId('sign-in-form')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create an account' }));
    await waitFor(() => expect(screen.getByTestId('register-form').textContent).toContain('the first account becomes the administrator'));
  });
});
