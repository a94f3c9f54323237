import pino, { type Logger } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'authorization',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'cookie',
  '"set-cookie"',
  // A failed database statement's error carries its parameters (PGlite) and the offending values (PostgreSQL's
  // `detail`: "Key (email)=(…) already exists"): an e-mail, a password hash, a shopper's text.
  'params',
  'queryOptions',
  'detail',
];

/**
 * Paths that never reach a log line: tokens, passwords, cookies and a failed statement's values at the top level of
 * a line and one or two levels down (`body.password`, `req.headers.cookie`). pino's redaction is by path, not by search: a secret nested deeper
 * is not caught, so nothing logs request bodies whole.
 */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const step = /^\w+$/.test(key) ? `.${key}` : `["${key}"]`;
  return [step.startsWith('.') ? key : step, `*${step}`, `*.*${step}`];
});

/** Creates the pino logger of one process; `level: 'silent'` in tests, `destination` to capture lines. */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
