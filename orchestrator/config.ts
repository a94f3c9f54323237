import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().url()));

/** The orchestrator's configuration schema; every variable has an embedded default. */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(8443),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: z.string().url().optional(),
    CERTS_DIR: z.string().default('certs'),
    DATA_DIR: z.string().default('data'),
    WEB_DIR: z.string().default('web'),
    DATABASE_URL: z.string().url().optional(),
    /** Base URLs of the agents whose cards are discovered. */
    AGENT_URLS: csv.default([
      'https://localhost:9101',
      'https://localhost:9102',
      'https://localhost:9103',
      'https://localhost:9104',
    ]),
    DISCOVERY_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
    TOKEN_ISSUER: z.string().default('atende-orchestrator'),
    SERVICE_TOKEN_TTL_SEC: z.coerce.number().int().min(10).max(600).default(60),
    GUEST_TOKEN_TTL_SEC: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    /** Time allowed for an agent's first event, and for the whole task. */
    AGENT_FIRST_EVENT_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    AGENT_TASK_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    MAX_MESSAGE_CHARS: z.coerce.number().int().positive().default(2_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .transform((c) => ({
    ...c,
    publicUrl: (c.PUBLIC_URL ?? `https://localhost:${c.PORT}`).replace(/\/$/, ''),
  }));

/** Parsed orchestrator configuration. */
export type Config = z.infer<typeof configSchema>;

/** Parses `env` once; throws one clear error listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const list = result.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid orchestrator configuration:\n${list}`);
  }
  return result.data;
}
