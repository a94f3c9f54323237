import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

/** Configuration every agent process shares, parsed once from the environment. */
export function agentConfigSchema(defaults: { name: string; port: number }) {
  return z
    .object({
      PORT: port.default(defaults.port),
      HOST: z.string().default('0.0.0.0'),
      /** Base URL peers reach this agent at; its card's JSON-RPC URL is `${PUBLIC_URL}/a2a`. */
      PUBLIC_URL: z.string().url().optional(),
      CERTS_DIR: z.string().default('certs'),
      AGENT_CARDS_DIR: z.string().default('agent-cards'),
      ORCHESTRATOR_JWKS_URL: z.string().url().default('https://localhost:8443/.well-known/jwks.json'),
      TOKEN_ISSUER: z.string().default('atende-orchestrator'),
      /** Comma-separated common names of the mesh certificates allowed to call JSON-RPC (cards stay readable). */
      TRUSTED_CALLERS: z
        .string()
        .default('orchestrator')
        .transform((v) =>
          v
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.string()).min(1, 'name at least one trusted caller (e.g. orchestrator)')),
      /** OTLP/HTTP collector base URL: tracing is on only when it is set (see `startTracing`). */
      OTEL_EXPORTER_OTLP_ENDPOINT: z
        .string()
        .url()
        .regex(/^https?:\/\//, 'must be an http(s) URL, e.g. http://collector:4318')
        .optional(),
      /** `service.name` of this agent's spans; the agent's name by default. */
      OTEL_SERVICE_NAME: z.string().min(1).optional(),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      TASK_STORE_MAX_TASKS: z.coerce.number().int().positive().default(10_000),
      TASK_STORE_FINISHED_TTL_MS: z.coerce
        .number()
        .int()
        .positive()
        .default(10 * 60_000),
    })
    .transform((c) => ({
      ...c,
      name: defaults.name,
      publicUrl: (c.PUBLIC_URL ?? `https://localhost:${c.PORT}`).replace(/\/$/, ''),
    }));
}

/** Parsed agent configuration. */
export type AgentConfig = z.infer<ReturnType<typeof agentConfigSchema>>;

/** Parses `env` for the agent `name`; throws one clear error listing every bad variable. */
export function loadAgentConfig(
  env: Record<string, string | undefined>,
  defaults: { name: string; port: number },
): AgentConfig {
  const result = agentConfigSchema(defaults).safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration for agent "${defaults.name}":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
