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

/** The fields of a failed statement's error that hold its values: PGlite's `params`, PostgreSQL's `detail`, … */
const STATEMENT_VALUE_FIELDS = new Set(['params', 'parameters', 'queryOptions', 'detail', 'values']);

/** A copy of `value` without statement values at any depth (its causes and aggregated errors too). */
function withoutStatementValues(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => withoutStatementValues(item, depth + 1));
  // A nested error (a cause) keeps its type, message and stack, as pino's serializer gives them.
  const source = value instanceof Error ? (pino.stdSerializers.err(value) as object) : value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(source)) {
    copy[key] = STATEMENT_VALUE_FIELDS.has(key) ? '[redacted]' : withoutStatementValues(field, depth + 1);
  }
  return copy;
}

/**
 * The error serializer of every logger: pino's own (type, message, stack, code…), then without the values of a
 * failed statement wherever they sit, however deep the cause chain — redaction by path only reaches two levels.
 */
export function serializeError(error: unknown): unknown {
  return withoutStatementValues(error);
}

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
    serializers: { err: serializeError, error: serializeError },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Formats one log line for a terminal; see {@link createLinePrettifier}. */
export type LinePrettifier = (line: string) => string;

/**
 * Returns a function that turns one pino JSON line into a readable one for a terminal (time, level, message, then
 * the other fields; an error's stack on lines of its own); any other line comes back unchanged. Secrets were
 * redacted when the line was written, so what it prints is only ever redacted. `npm start` uses it on its
 * processes' output when its own stdout is a terminal; pino-pretty is loaded only then.
 */
export async function createLinePrettifier(options: { colors?: boolean } = {}): Promise<LinePrettifier> {
  const { prettyFactory } = await import('pino-pretty');
  const pretty = prettyFactory({
    colorize: options.colors ?? false,
    translateTime: 'SYS:HH:MM:ss',
    // The process's name is the line's prefix already.
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return (line) => {
    if (!line.startsWith('{')) return line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return line;
    }
    if (typeof parsed !== 'object' || parsed === null || !('level' in parsed)) return line;
    return pretty(parsed).replace(/\n$/, '');
  };
}
