/**
 * Errors that mean "the database is not there right now" (refused or dropped connections,
 * PostgreSQL shutting down or starting up) as opposed to a bug or a bad query: they become
 * 503 DATABASE_UNAVAILABLE, retryable, and the pool reconnects by itself once it is back.
 */
import { AppError } from '../errors/catalogue.js';

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up). */
const SQLSTATE = /^(08|57P0[1-3])/;
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (MESSAGES.test(current.message)) return true;
  }
  return false;
}

/** DATABASE_UNAVAILABLE for an error that is one, else undefined. */
export function databaseUnavailable(error: unknown): AppError | undefined {
  return isDatabaseUnavailable(error) ? new AppError('DATABASE_UNAVAILABLE', undefined, { cause: error }) : undefined;
}
