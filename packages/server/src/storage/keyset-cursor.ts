/**
 * Keyset cursors of the newest-first lists (conversations, runs): the time column a list is
 * ordered by and the id that breaks ties, opaque to clients.
 */
export interface KeysetPosition {
  time: number;
  id: string;
}

export function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** Undefined for a cursor this server did not make: a client error, reported by the caller. */
export function decodeCursor(cursor: string): KeysetPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A time that is not a whole number (1e400 parses as Infinity) would only fail later, in the database.
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { time: value[0] as number, id: value[1] };
  } catch {
    // fall through
  }
  return undefined;
}
