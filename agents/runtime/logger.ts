import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that never reach a log line: tokens, passwords, cookies. */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  'password',
  'cookie',
  '*.authorization',
  '*.token',
  '*.password',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

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
