/**
 * Who is asking, on every request: a bearer token (session or API key) or the web UI's
 * session cookie; in single-user mode the local admin. Routes marked `config: { public: true }`
 * answer without it. Also here, because they key on the caller: CSRF for cookie writes and
 * the per-user and per-key rate limits.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rateLimited, type AuthService, type Principal } from '../auth/auth-service.js';
import { AppError } from '../errors/catalogue.js';
import type { WindowLimiter } from '../limits/window-limiter.js';
import { LOCAL_OWNER_ID } from '../platform-constants.js';

declare module 'fastify' {
  interface FastifyRequest {
    ownerId: string;
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** Answers without authentication. */
    public?: boolean;
  }
}

export const SESSION_COOKIE = 'sutazai_session';
export const CSRF_COOKIE = 'sutazai_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const localAdmin: Principal = { userId: LOCAL_OWNER_ID, role: 'admin', email: null, name: 'Local user', credential: { kind: 'local', id: LOCAL_OWNER_ID } };

export interface AuthHookOptions {
  auth: AuthService;
  limiter: WindowLimiter;
  authEnabled: boolean;
  ratePerMinute: number;
}

export function registerAuthHook(app: FastifyInstance, options: AuthHookOptions): void {
  if (!options.authEnabled) {
    // Single-user mode: every request is the local admin, with no hook to run per request.
    app.decorateRequest('ownerId', { getter: () => localAdmin.userId });
    app.decorateRequest('principal', { getter: () => localAdmin });
    return;
  }
  app.decorateRequest('ownerId', '');
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const isPublic = request.routeOptions.config?.public === true;
    const principal = await identify(request, options.auth);
    if (!principal) {
      if (isPublic) return;
      throw new AppError('UNAUTHENTICATED', hasCredential(request) ? 'The token, key or session is invalid, expired or revoked.' : undefined);
    }
    request.principal = principal;
    request.ownerId = principal.userId;
    if (!SAFE_METHODS.has(request.method) && usedCookie(request) && !csrfMatches(request)) throw new AppError('CSRF_FAILED');
    if (!isPublic) await limitRate(principal, options);
  });
}

async function limitRate(principal: Principal, options: AuthHookOptions): Promise<void> {
  const keys = [`rate:user:${principal.userId}`];
  if (principal.credential.kind === 'api-key') keys.push(`rate:key:${principal.credential.id}`);
  for (const key of keys) {
    const decision = await options.limiter.hit(key, options.ratePerMinute, 60_000);
    if (!decision.allowed) throw rateLimited('RATE_LIMITED', decision.retryAfterSeconds);
  }
}

async function identify(request: FastifyRequest, auth: AuthService): Promise<Principal | undefined> {
  const secret = bearer(request) ?? cookies(request)[SESSION_COOKIE];
  return secret ? auth.authenticate(secret) : undefined;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

function hasCredential(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || cookies(request)[SESSION_COOKIE] !== undefined;
}

function usedCookie(request: FastifyRequest): boolean {
  return bearer(request) === undefined && cookies(request)[SESSION_COOKIE] !== undefined;
}

function csrfMatches(request: FastifyRequest): boolean {
  const expected = cookies(request)[CSRF_COOKIE];
  const given = request.headers['x-csrf-token'];
  return typeof expected === 'string' && expected.length >= 16 && given === expected;
}

export function cookies(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie;
  if (!header) return {};
  const result: Record<string, string> = {};
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    try {
      result[name] = decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      // an undecodable cookie is ignored, as if absent
    }
  }
  return result;
}

/** Sets (or, with maxAgeSeconds 0, clears) the session and CSRF cookies. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, session: { token: string; csrf: string; maxAgeSeconds: number }): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const age = `Max-Age=${session.maxAgeSeconds}`;
  reply.header('set-cookie', [
    `${SESSION_COOKIE}=${encodeURIComponent(session.token)}; Path=/; HttpOnly; SameSite=Lax; ${age}${secure}`,
    `${CSRF_COOKIE}=${encodeURIComponent(session.csrf)}; Path=/; SameSite=Strict; ${age}${secure}`,
  ]);
}
