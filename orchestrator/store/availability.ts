import { DatabaseUnavailableError } from '../errors.js';
import type { SqlClient } from './sql.js';

// Network failures on the way to the database, as Node reports them.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// PostgreSQL's own: connection exceptions (class 08), shutting down or starting up, out of connections.
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// What `pg` says when the socket goes away under it or a connection cannot be had.
const PG_MESSAGES = [
  /^Connection terminated/,
  /connection error and is not queryable/,
  /timeout exceeded when trying to connect/,
  /Query read timeout/,
];

/**
 * Whether `error` (or one of its causes) says the database could not be reached, as opposed to a statement it
 * refused: only then may the request be tried again unchanged.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof DatabaseUnavailableError) return true;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))
    )
      return true;
    if (typeof message === 'string' && PG_MESSAGES.some((m) => m.test(message))) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnreachable)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Wraps a store client so that a database it cannot reach throws {@link DatabaseUnavailableError} (answered 503 with
 * `Retry-After`), whatever the statement; every other error passes unchanged. The pool underneath reconnects by
 * itself: nothing needs restarting once the database is back.
 */
export function guardAvailability(sql: SqlClient): SqlClient {
  const rethrow = (error: unknown): never => {
    throw isDatabaseUnreachable(error) && !(error instanceof DatabaseUnavailableError)
      ? new DatabaseUnavailableError(error)
      : error;
  };
  return {
    query<R>(text: string, params?: unknown[]) {
      return sql.query<R>(text, params).catch(rethrow);
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      return sql.transaction(fn).catch(rethrow);
    },
    close: () => sql.close(),
  };
}
