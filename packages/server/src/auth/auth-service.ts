/**
 * Accounts and credentials: sign-up under the admin's policy, sign-in with limits, sessions
 * and API keys stored as hashes, and revocation that takes effect at once, also on streams
 * that are open (their routes watch the credential they started with).
 */
import { AppError } from '../errors/catalogue.js';
import type { WindowLimiter } from '../limits/window-limiter.js';
import type { Storage } from '../storage/database.js';
import { newId } from '../storage/ids.js';
import type { UserRole } from '../storage/schema.js';
import { findApiKeyByHash, findSessionByHash, insertApiKey, insertSession, listApiKeys, revokeApiKey, revokeSession, revokeSessionsOf, touchApiKey, type ApiKeyRow } from '../storage/credentials-repository.js';
import { getSetting, putSetting } from '../storage/settings-repository.js';
import { countAccounts, createAccount, findUserByEmail, findUserById, listAccounts, updateAccount, type UserRow } from '../storage/users-repository.js';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './secrets.js';

export type SignupPolicy = 'open' | 'approval' | 'closed';
export const SESSION_PREFIX = 'sut_';
export const API_KEY_PREFIX = 'sk-sutazai-';
const LOGIN_WINDOW_MS = 15 * 60_000;

export interface Principal {
  userId: string;
  role: UserRole;
  email: string | null;
  name: string;
  credential: { kind: 'session' | 'api-key' | 'local'; id: string };
}

export interface PublicUser {
  id: string;
  email: string | null;
  name: string;
  role: UserRole;
  disabled: boolean;
  created_at: string;
}

export interface PublicApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuthServiceOptions {
  storage: Storage;
  limiter: WindowLimiter;
  sessionTtlMs: number;
  loginMaxAttempts: number;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(options: AuthServiceOptions) {
  const { storage, limiter } = options;
  const db = storage.db;
  const watchers = new Map<string, Set<() => void>>();

  const notifyRevoked = (credentialIds: string[]) => {
    for (const id of credentialIds) for (const callback of watchers.get(id) ?? []) callback();
  };

  async function issueSession(user: UserRow): Promise<{ token: string; expiresAt: number }> {
    const token = newSecret(SESSION_PREFIX);
    const now = Date.now();
    const expiresAt = now + options.sessionTtlMs;
    await insertSession(db, { id: newId(now), owner_id: user.id, token_hash: hashSecret(token), created_at: now, expires_at: expiresAt, revoked_at: null });
    return { token, expiresAt };
  }

  async function signupPolicy(): Promise<SignupPolicy> {
    const stored = await getSetting(db, 'signup_policy');
    return stored === 'open' || stored === 'approval' || stored === 'closed' ? stored : 'closed';
  }

  return {
    signupPolicy,

    async setSignupPolicy(policy: SignupPolicy): Promise<void> {
      await putSetting(db, 'signup_policy', policy);
    },

    /** The first account becomes admin; later ones follow the signup policy. */
    async register(input: { email: string; password: string; name?: string | undefined }): Promise<{ user: PublicUser; pending: boolean }> {
      const email = normalizeEmail(input.email);
      const first = (await countAccounts(db)) === 0;
      const policy = first ? 'open' : await signupPolicy();
      if (policy === 'closed') throw new AppError('SIGNUP_CLOSED');
      const now = Date.now();
      const row = { id: newId(now), email, name: input.name?.trim() || email.split('@')[0]!, role: (first ? 'admin' : 'user') as UserRole, passwordHash: await hashPassword(input.password), disabled: policy === 'approval', now };
      if (!(await createAccount(db, row))) throw new AppError('EMAIL_IN_USE');
      return { user: publicUser((await findUserById(db, row.id))!), pending: policy === 'approval' };
    },

    /**
     * Same answer for an unknown email and a wrong password, and the same work for both.
     * Limits count failures per account and per client address, and hold even for the right password.
     */
    async login(input: { email: string; password: string; ip: string }): Promise<{ token: string; expiresAt: number; user: PublicUser }> {
      const email = normalizeEmail(input.email);
      const accountKey = `login:account:${email}`;
      const ipKey = `login:ip:${input.ip}`;
      for (const [key, limit] of [[accountKey, options.loginMaxAttempts], [ipKey, options.loginMaxAttempts * 5]] as const) {
        const decision = await limiter.peek(key, limit, LOGIN_WINDOW_MS);
        if (!decision.allowed) throw rateLimited('LOGIN_RATE_LIMITED', decision.retryAfterSeconds);
      }
      const user = await findUserByEmail(db, email);
      const valid = await verifyPassword(input.password, user?.password_hash ?? null);
      if (!user || !valid) {
        await limiter.hit(accountKey, options.loginMaxAttempts, LOGIN_WINDOW_MS);
        await limiter.hit(ipKey, options.loginMaxAttempts * 5, LOGIN_WINDOW_MS);
        throw new AppError('INVALID_CREDENTIALS');
      }
      if (user.disabled) throw new AppError('ACCOUNT_DISABLED');
      await limiter.reset(accountKey);
      return { ...(await issueSession(user)), user: publicUser(user) };
    },

    async logout(principal: Principal): Promise<void> {
      if (principal.credential.kind !== 'session') return;
      await revokeSession(db, principal.credential.id, Date.now());
      notifyRevoked([principal.credential.id]);
    },

    /** Who a bearer token or cookie belongs to; undefined when it is unknown, expired, revoked or its user disabled. */
    async authenticate(secret: string): Promise<Principal | undefined> {
      const hash = hashSecret(secret);
      const now = Date.now();
      if (secret.startsWith(SESSION_PREFIX)) {
        const session = await findSessionByHash(db, hash);
        if (!session || session.revoked_at !== null || session.expires_at <= now) return undefined;
        return principalOf(await findUserById(db, session.owner_id), { kind: 'session', id: session.id });
      }
      if (secret.startsWith(API_KEY_PREFIX)) {
        const key = await findApiKeyByHash(db, hash);
        if (!key || key.revoked_at !== null) return undefined;
        // Writing last_used_at once a minute is enough, and spares a write per request.
        if (key.last_used_at === null || now - key.last_used_at > 60_000) await touchApiKey(db, key.id, now);
        return principalOf(await findUserById(db, key.owner_id), { kind: 'api-key', id: key.id });
      }
      return undefined;
    },

    /** Calls `onRevoked` when this credential is revoked; returns the function that stops watching. */
    watch(credentialId: string, onRevoked: () => void): () => void {
      let set = watchers.get(credentialId);
      if (!set) watchers.set(credentialId, (set = new Set()));
      set.add(onRevoked);
      return () => {
        set.delete(onRevoked);
        if (set.size === 0) watchers.delete(credentialId);
      };
    },

    async createApiKey(ownerId: string, name: string): Promise<{ key: string; apiKey: PublicApiKey }> {
      const key = newSecret(API_KEY_PREFIX);
      const now = Date.now();
      const row: ApiKeyRow = { id: newId(now), owner_id: ownerId, name, prefix: key.slice(0, API_KEY_PREFIX.length + 6), key_hash: hashSecret(key), created_at: now, last_used_at: null, revoked_at: null };
      await insertApiKey(db, row);
      return { key, apiKey: publicKey(row) };
    },

    async listApiKeys(ownerId: string): Promise<PublicApiKey[]> {
      return (await listApiKeys(db, ownerId)).map(publicKey);
    },

    async revokeApiKey(ownerId: string, id: string): Promise<void> {
      if (!(await revokeApiKey(db, ownerId, id, Date.now()))) throw new AppError('API_KEY_NOT_FOUND');
      notifyRevoked([id]);
    },

    /** Before anyone signs in: is there an administrator yet, and may people sign up. */
    async setupState(): Promise<{ needsAdmin: boolean; signupPolicy: SignupPolicy }> {
      const needsAdmin = (await countAccounts(db)) === 0;
      return { needsAdmin, signupPolicy: needsAdmin ? 'open' : await signupPolicy() };
    },

    /**
     * Checks the current password (failures count against the same limit as sign-in, so a
     * stolen session cannot guess it), stores the new one and ends every session of the
     * account. A caller that used a session gets a new one in its place; API keys keep working.
     */
    async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }): Promise<{ user: PublicUser; otherSessionsEnded: number; session: { token: string; expiresAt: number } | undefined }> {
      const user = await findUserById(db, principal.userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      if (user.email === null) {
        throw new AppError('FORBIDDEN', 'The local user of AUTH=disabled has no password.', { hint: 'Set AUTH=enabled and create an account to use passwords.' });
      }
      const accountKey = `login:account:${user.email}`;
      const decision = await limiter.peek(accountKey, options.loginMaxAttempts, LOGIN_WINDOW_MS);
      if (!decision.allowed) throw rateLimited('LOGIN_RATE_LIMITED', decision.retryAfterSeconds);
      if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
        await limiter.hit(accountKey, options.loginMaxAttempts, LOGIN_WINDOW_MS);
        throw new AppError('CURRENT_PASSWORD_WRONG');
      }
      const now = Date.now();
      await updateAccount(db, user.id, { passwordHash: await hashPassword(input.newPassword) }, now);
      const ended = await revokeSessionsOf(db, user.id, now);
      notifyRevoked(ended);
      const ownSession = principal.credential.kind === 'session' ? principal.credential.id : undefined;
      return {
        user: publicUser(user),
        otherSessionsEnded: ended.filter((id) => id !== ownSession).length,
        session: ownSession ? await issueSession(user) : undefined,
      };
    },

    async me(principal: Principal): Promise<PublicUser> {
      const user = await findUserById(db, principal.userId);
      if (!user) throw new AppError('UNAUTHENTICATED');
      return publicUser(user);
    },

    async listUsers(): Promise<PublicUser[]> {
      return (await listAccounts(db)).map(publicUser);
    },

    async createUser(input: { email: string; password: string; name?: string | undefined; role: UserRole }): Promise<PublicUser> {
      const now = Date.now();
      const row = { id: newId(now), email: normalizeEmail(input.email), name: input.name?.trim() || input.email.split('@')[0]!, role: input.role, passwordHash: await hashPassword(input.password), disabled: false, now };
      if (!(await createAccount(db, row))) throw new AppError('EMAIL_IN_USE');
      return publicUser((await findUserById(db, row.id))!);
    },

    /** Disabling or resetting a password signs the user out everywhere, streams included. */
    async updateUser(actor: Principal, id: string, changes: { role?: UserRole | undefined; disabled?: boolean | undefined; password?: string | undefined }): Promise<PublicUser> {
      if (id === actor.userId && (changes.disabled === true || changes.role === 'user')) {
        throw new AppError('FORBIDDEN', 'You cannot disable yourself or take away your own admin role.', { hint: 'Ask another administrator.' });
      }
      const now = Date.now();
      const found = await updateAccount(db, id, {
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
        ...(changes.password !== undefined ? { passwordHash: await hashPassword(changes.password) } : {}),
      }, now);
      if (!found) throw new AppError('USER_NOT_FOUND');
      if (changes.disabled === true || changes.password !== undefined) {
        const sessions = await revokeSessionsOf(db, id, now);
        const keys = changes.disabled === true ? (await listApiKeys(db, id)).map((k) => k.id) : [];
        notifyRevoked([...sessions, ...keys]);
      }
      return publicUser((await findUserById(db, id))!);
    },
  };
}

function principalOf(user: UserRow | undefined, credential: Principal['credential']): Principal | undefined {
  if (!user || user.disabled) return undefined;
  return { userId: user.id, role: user.role, email: user.email, name: user.name, credential };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function rateLimited(code: 'RATE_LIMITED' | 'LOGIN_RATE_LIMITED' | 'TOO_MANY_STREAMS', retryAfterSeconds: number): AppError & { retryAfterSeconds: number } {
  return Object.assign(new AppError(code, undefined, { hint: `Wait ${retryAfterSeconds} s, then retry.` }), { retryAfterSeconds });
}

function publicUser(row: UserRow): PublicUser {
  return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabled === 1, created_at: new Date(row.created_at).toISOString() };
}

function publicKey(row: ApiKeyRow): PublicApiKey {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { id: row.id, name: row.name, prefix: row.prefix, created_at: iso(row.created_at)!, last_used_at: iso(row.last_used_at), revoked_at: iso(row.revoked_at) };
}
