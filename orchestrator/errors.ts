import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Logger } from '../agents/runtime/index.js';

/** The one error body every endpoint answers with. */
export interface ErrorBody {
  code: string;
  message: string;
  requestId: string;
}

/** An HTTP error with a stable code; its message is safe to show. A 429 carries `retryAfterSec`. */
export function httpError(
  status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503,
  code: string,
  message: string,
  retryAfterSec?: number,
) {
  return Object.assign(new HTTPException(status, { message, cause: code }), { retryAfterSec });
}

/** A 403 for a role that may not use a route; the app audits it as `role_refused`. */
export class RoleRefusedError extends HTTPException {
  constructor(
    readonly shopper: { subject: string; role: string },
    message: string,
  ) {
    super(403, { message, cause: 'forbidden' });
    this.name = 'RoleRefusedError';
  }
}

/**
 * The database could not be reached (refused, reset, shut down, out of connections): the request did not happen
 * and may be tried again. Answered as 503 `database_unavailable` with `Retry-After`; raised by the store's
 * availability guard (`orchestrator/store/availability.ts`), never for a statement the database refused.
 */
export class DatabaseUnavailableError extends Error {
  /** Seconds a client should wait before trying again. */
  static readonly RETRY_AFTER_SEC = 5;

  constructor(cause: unknown) {
    super('the database is unreachable', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Maps zod errors to 400, known errors to their status, an unreachable database to 503 with `Retry-After`, and
 * anything else to a plain 500 that leaks nothing.
 */
export function handleError(logger: Logger) {
  return function onError(error: Error, c: Context): Response {
    const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
    if (error instanceof z.ZodError) {
      const message = error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return c.json({ code: 'invalid_request', message, requestId } satisfies ErrorBody, 400);
    }
    if (error instanceof HTTPException) {
      const code = typeof error.cause === 'string' ? error.cause : 'http_error';
      const retryAfterSec = (error as { retryAfterSec?: number }).retryAfterSec;
      return c.json({ code, message: error.message, requestId } satisfies ErrorBody, error.status, {
        ...(error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
        ...(retryAfterSec ? { 'Retry-After': String(retryAfterSec) } : {}),
      });
    }
    if (error instanceof DatabaseUnavailableError) {
      logger.warn({ err: error.cause, requestId, path: c.req.path }, 'database unreachable: answered 503');
      return c.json(
        {
          code: 'database_unavailable',
          message: 'the service is briefly unavailable; try again in a few seconds',
          requestId,
        } satisfies ErrorBody,
        503,
        { 'Retry-After': String(DatabaseUnavailableError.RETRY_AFTER_SEC) },
      );
    }
    logger.error({ err: error, requestId, path: c.req.path }, 'unhandled error');
    return c.json({ code: 'internal_error', message: 'internal error', requestId } satisfies ErrorBody, 500);
  };
}
