/**
 * What every response and every body goes through: a JSON parser that refuses invalid UTF-8
 * and deep nesting before parsing, security headers, the request id, and a CORS allow-list.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/catalogue.js';

export const MAX_JSON_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Deepest nesting of objects and arrays, counted outside strings, without parsing. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new AppError('INVALID_UTF8'));
    }
    if (text.trim() === '') return done(new AppError('INVALID_JSON', 'The request body is empty; send a JSON object.'));
    if (jsonDepth(text) > MAX_JSON_DEPTH) return done(new AppError('JSON_TOO_DEEP'));
    let parsed: unknown;
    // A NUL reaches a string only through the escape \u0000 (JSON refuses the raw character).
    let nulIn: string | undefined;
    try {
      // Prototype keys are dropped so a body can never reach Object.prototype.
      parsed = JSON.parse(text, (key, value: unknown) => {
        if (key === '__proto__' || key === 'constructor') return undefined;
        if (nulIn === undefined && (key.includes('\0') || (typeof value === 'string' && value.includes('\0')))) nulIn = key.replaceAll('\0', '\\u0000');
        return value;
      });
    } catch (error) {
      return done(new AppError('INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}`));
    }
    // No text holds it, and PostgreSQL cannot store it: refused alike on both databases.
    if (nulIn !== undefined) return done(new AppError('VALIDATION_FAILED', `Invalid request: ${nulIn ? `"${nulIn}"` : 'the body'} contains a NUL character (\\u0000), which no text may hold.`, { hint: 'Remove the NUL characters and send it again.' }));
    done(null, parsed);
  });
}

const SECURITY_HEADERS: Record<string, string> = {
  // No inline script anywhere: the web UI ships its scripts as files.
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Security headers, the request id and CORS on every response, preflights answered here. */
export function registerSecurityHeaders(app: FastifyInstance, options: { corsOrigins: string[] }): void {
  const allowed = new Set(options.corsOrigins);
  // A `done` hook, not an async one: it runs for every request, and a promise per request shows.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    const origin = request.headers.origin;
    if (origin && allowed.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE');
        reply.header('access-control-allow-headers', 'authorization, content-type, x-csrf-token, x-request-id, last-event-id');
        reply.header('access-control-max-age', '600');
        // Answered: a `done` hook that replies does not call done().
        reply.code(204).send();
        return;
      }
    }
    done();
  });
}
