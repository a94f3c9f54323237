import { z } from 'zod';
import { PG_SIZE } from '../agents/runtime/pg-size.js';
import { DEFAULT_SCOPE_POLICY, scopePolicySchema } from './mesh/scope-policy.js';

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
    /** PostgreSQL schema to work in (created when missing); the connection's default when unset. */
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _, at most 41 characters')
      .optional(),
    /** How long a reply's later pieces wait to share one write to the event log (the first text never waits). */
    EVENT_COALESCE_MS: z.coerce.number().int().min(1).max(5_000).default(40),
    /** How long after a reply ends its coalesced deltas stay in the event log (its `message` event remains). */
    EVENT_DELTA_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
    /**
     * With a shared PostgreSQL: how often each replica looks for replies left `streaming` by a replica that stopped
     * (ended `failed` so their readers are not left waiting), and how old such a reply must be.
     */
    REPLY_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
    REPLY_SWEEP_GRACE_MS: z.coerce.number().int().positive().default(5_000),
    /**
     * Processes serving `PORT` together (node:cluster: a primary forks them and they share the listening socket);
     * more than 1 needs `DATABASE_URL` and a shared `RATE_LIMIT_STORE` (`redis` or `postgres`).
     */
    ORCHESTRATOR_PROCESSES: z.coerce.number().int().min(1).max(16).default(1),
    /** Set by that primary in each process it forks (1…N): which one served a request. Not for users to set. */
    ORCHESTRATOR_PROCESS_SLOT: z.coerce.number().int().min(1).max(16).optional(),
    /** Base URLs of the agents whose cards are discovered. */
    AGENT_URLS: csv.default([
      'https://localhost:9101',
      'https://localhost:9102',
      'https://localhost:9103',
      'https://localhost:9104',
      'https://localhost:9105',
    ]),
    DISCOVERY_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
    /**
     * `required`: an agent whose card carries no signature that verifies against the deployment's card-signing key
     * (`card-signing-key.json` in CERTS_DIR) is refused; `off`: cards are taken unsigned (an agent of another deployment).
     */
    CARD_SIGNATURES: z.enum(['required', 'off']).default('required'),
    /** `on`: the embedded PGlite runs on a worker thread, beside the request thread (see `npm run bench`). */
    PGLITE_WORKER: z.enum(['on', 'off']).default('off'),
    /**
     * PostgreSQL's `shared_buffers` in the embedded PGlite. 32MB, not PGlite's 128MB: PGlite zeroes all of it when
     * it opens, so all of it is resident from the start; measured, 32MB held the orchestrator's peak 150 MiB lower
     * at the same CPU per message, and opened faster (README, "Measured").
     */
    PGLITE_SHARED_BUFFERS: z.string().regex(PG_SIZE, 'a size such as 32MB').default('32MB'),
    /**
     * Group commit of the chat log: shopper messages, reply ends and conversation events arriving within 2 ms share
     * one transaction (each still answered only once committed); `off` writes each on its own. `auto`: on with
     * PostgreSQL (4 batches in flight), off on PGlite, where a commit costs nearly nothing and waiting for the
     * batch only adds latency (measured by `bench/group-commit.ts`).
     */
    CHAT_LOG_GROUP_COMMIT: z.enum(['auto', 'on', 'off']).default('auto'),
    /**
     * How often each replica looks for open handoffs it does not follow yet (one another replica followed before it
     * stopped) and follows them too; every follower writes each change once.
     */
    HANDOFF_FOLLOW_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
    /**
     * Key-set file (`npm run keys`) every replica signs and verifies tokens with, e.g. a mounted Kubernetes Secret;
     * unset, a one-key set is created under `DATA_DIR/keys` on first start (one machine only).
     */
    SIGNING_KEYS_FILE: z.string().min(1).optional(),
    /** How often each replica looks for a changed key-set file (a rotated Secret) in the background. */
    SIGNING_KEYS_RELOAD_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
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
    /** The A2A binding the orchestrator calls agents over: `jsonrpc`, or `http+json` where a card declares it. */
    AGENT_BINDING: z.enum(['jsonrpc', 'http+json']).default('jsonrpc'),
    /** Which roles may hold each service-token scope, as JSON (`{"orders:read": ["customer", …]}`); none else. */
    SCOPE_POLICY: z
      .string()
      .default(JSON.stringify(DEFAULT_SCOPE_POLICY))
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object from scope to roles' });
          return z.NEVER;
        }
      })
      .pipe(scopePolicySchema),
    MAX_MESSAGE_CHARS: z.coerce.number().int().positive().default(2_000),
    /** Origin allowed by CORS for the web chat (the orchestrator's own origin is always allowed). */
    WEB_ORIGIN: z.string().url().optional(),
    /** Hosts (`host:port`) the agent-card inspector may fetch; defaults to the hosts of AGENT_URLS. */
    INSPECTOR_ALLOWED_HOSTS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .optional(),
    /** Bearer token that lets a Prometheus scraper read GET /metrics; without it, an admin access token. */
    METRICS_TOKEN: z.string().min(16).optional(),
    RATE_LIMIT_STORE: z.enum(['memory', 'redis', 'postgres']).default('memory'),
    REDIS_URL: z.string().url().optional(),
    CHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(10),
    /** Streams (chat replies, conversation events, `/a2a` calls) one address may hold open at once on a replica. */
    STREAMS_PER_ADDRESS: z.coerce.number().int().positive().default(20),
    /** Streams a replica holds open at once in all; beyond either limit a request gets 503 with Retry-After. */
    STREAMS_MAX: z.coerce.number().int().positive().default(1000),
    /**
     * Webhook hosts (`host:port`) push notifications may reach although they resolve to internal addresses (a
     * receiver inside the deployment); any other webhook must be https on a public address.
     */
    PUSH_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ACCESS_TOKEN_TTL_SEC: z.coerce
      .number()
      .int()
      .min(60)
      .max(3600)
      .default(15 * 60),
    /** Password of the demo accounts seeded outside production. */
    DEMO_PASSWORD: z.string().min(10).default('atende-demo-2026'),
    SEED_DEMO_ACCOUNTS: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true')),
    /** OTLP/HTTP collector base URL: tracing is on only when it is set (see `startTracing`). */
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be an http(s) URL, e.g. http://collector:4318')
      .optional(),
    /** `service.name` of the orchestrator's spans; `orchestrator` by default. */
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.RATE_LIMIT_STORE === 'redis' && !c.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'RATE_LIMIT_STORE=redis needs REDIS_URL',
      });
    }
    if (c.RATE_LIMIT_STORE === 'postgres' && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'RATE_LIMIT_STORE=postgres needs DATABASE_URL',
      });
    }
    if (c.ORCHESTRATOR_PROCESSES > 1 && !c.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: `ORCHESTRATOR_PROCESSES=${c.ORCHESTRATOR_PROCESSES} needs DATABASE_URL: the processes share one PostgreSQL (the embedded PGlite belongs to one process)`,
      });
    }
    if (c.ORCHESTRATOR_PROCESSES > 1 && c.RATE_LIMIT_STORE === 'memory') {
      ctx.addIssue({
        code: 'custom',
        path: ['RATE_LIMIT_STORE'],
        message: `ORCHESTRATOR_PROCESSES=${c.ORCHESTRATOR_PROCESSES} needs RATE_LIMIT_STORE=postgres (or redis with REDIS_URL): with memory each process would count rate limits and lockouts alone`,
      });
    }
    if (c.NODE_ENV === 'production' && c.SEED_DEMO_ACCOUNTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEED_DEMO_ACCOUNTS'],
        message: 'demo accounts are never seeded in production',
      });
    }
  })
  .transform((c) => ({
    ...c,
    publicUrl: (c.PUBLIC_URL ?? `https://localhost:${c.PORT}`).replace(/\/$/, ''),
    seedDemoAccounts: c.SEED_DEMO_ACCOUNTS ?? c.NODE_ENV !== 'production',
  }));

/** Parsed orchestrator configuration. */
export type Config = z.infer<typeof configSchema>;

/** Parses `env` once; throws one clear error listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid orchestrator configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
