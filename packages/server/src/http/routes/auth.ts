import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiKeyList, ChangePasswordRequest, ChangePasswordResponse, CreateApiKeyRequest, CreateApiKeyResponse, ErrorResponse, LoginRequest, LoginResponse, RegisterRequest, RegisterResponse, SetupState, User } from '@sutazai/contracts';
import type { AuthService, Principal } from '../../auth/auth-service.js';
import { AppError } from '../../errors/catalogue.js';
import { setSessionCookies } from '../auth-hook.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };
/** Auth bodies are small; anything bigger is refused before it is read. */
const SMALL_BODY = 16 * 1024;

export function authRoutes(auth: AuthService, options: { sessionTtlSeconds: number }) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.post('/api/v1/auth/register', {
      config: { public: true }, bodyLimit: SMALL_BODY,
      schema: { tags: ['auth'], summary: 'Create an account: the first becomes admin, later ones follow the sign-up policy', body: RegisterRequest, response: { 201: RegisterResponse, 202: RegisterResponse, ...errors } },
    }, async (request, reply) => {
      const result = await auth.register(request.body);
      return reply.code(result.pending ? 202 : 201).send(result);
    });

    api.post('/api/v1/auth/login', {
      config: { public: true }, bodyLimit: SMALL_BODY,
      schema: { tags: ['auth'], summary: 'Sign in: a bearer token, and the session cookie for the web UI', body: LoginRequest, response: { 200: LoginResponse, ...errors } },
    }, async (request, reply) => {
      const session = await auth.login({ ...request.body, ip: request.ip });
      setSessionCookies(request, reply, { token: session.token, csrf: randomBytes(24).toString('base64url'), maxAgeSeconds: options.sessionTtlSeconds });
      return { token: session.token, expires_at: new Date(session.expiresAt).toISOString(), user: session.user };
    });

    api.post('/api/v1/auth/logout', {
      schema: { tags: ['auth'], summary: 'Sign out this session', response: { 204: Type.Null(), ...errors } },
    }, async (request, reply) => {
      await auth.logout(principal(request));
      setSessionCookies(request, reply, { token: '', csrf: '', maxAgeSeconds: 0 });
      return reply.code(204).send(null);
    });

    api.get('/api/v1/auth/setup', {
      config: { public: true },
      schema: { tags: ['auth'], summary: 'For the first screen: whether accounts are on, whether an administrator exists yet, and the sign-up policy', response: { 200: SetupState, ...errors } },
    }, async (request) => {
      // With AUTH=disabled every request is the local administrator: nobody signs in or up.
      if (request.principal?.credential.kind === 'local') return { auth_enabled: false, needs_admin: false, signup_policy: 'closed' as const };
      const state = await auth.setupState();
      return { auth_enabled: true, needs_admin: state.needsAdmin, signup_policy: state.signupPolicy };
    });

    api.post('/api/v1/auth/password', {
      bodyLimit: SMALL_BODY,
      schema: { tags: ['auth'], summary: 'Change your password: checks the current one and signs out every session (yours is replaced by a new one)', body: ChangePasswordRequest, response: { 200: ChangePasswordResponse, ...errors } },
    }, async (request, reply) => {
      const changed = await auth.changePassword(principal(request), { currentPassword: request.body.current_password, newPassword: request.body.new_password });
      if (changed.session) setSessionCookies(request, reply, { token: changed.session.token, csrf: randomBytes(24).toString('base64url'), maxAgeSeconds: options.sessionTtlSeconds });
      return {
        user: changed.user,
        other_sessions_ended: changed.otherSessionsEnded,
        token: changed.session?.token ?? null,
        expires_at: changed.session ? new Date(changed.session.expiresAt).toISOString() : null,
      };
    });

    api.get('/api/v1/auth/me', { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: User, ...errors } } },
      async (request) => auth.me(principal(request)));

    api.get('/api/v1/auth/api-keys', { schema: { tags: ['auth'], summary: 'Your API keys (never the keys themselves)', response: { 200: ApiKeyList, ...errors } } },
      async (request) => ({ items: await auth.listApiKeys(request.ownerId) }));

    api.post('/api/v1/auth/api-keys', {
      bodyLimit: SMALL_BODY,
      schema: { tags: ['auth'], summary: 'Create an API key; the key is shown in this answer only', body: CreateApiKeyRequest, response: { 201: CreateApiKeyResponse, ...errors } },
    }, async (request, reply) => {
      const created = await auth.createApiKey(request.ownerId, request.body.name);
      return reply.code(201).send({ key: created.key, api_key: created.apiKey });
    });

    api.delete('/api/v1/auth/api-keys/:id', {
      schema: { tags: ['auth'], summary: 'Revoke an API key; it stops working at once, open streams included', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errors } },
    }, async (request, reply) => {
      await auth.revokeApiKey(request.ownerId, request.params.id);
      return reply.code(204).send(null);
    });
  };
}

export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}
