import { z } from 'zod';

/** Environment of the sentiment agent beyond the shared agent settings: the optional local model. */
export const sentimentConfigSchema = z
  .object({
    /** Ollama base URL; without it the embedded classifier answers alone. */
    OLLAMA_HOST: z.url().optional(),
    OLLAMA_MODEL: z.string().min(1).default('llama3.2'),
    OLLAMA_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(1_500),
  })
  .transform((c) => ({
    ollama: c.OLLAMA_HOST
      ? { host: c.OLLAMA_HOST, model: c.OLLAMA_MODEL, timeoutMs: c.OLLAMA_TIMEOUT_MS }
      : undefined,
  }));

/** Parsed sentiment settings: `ollama` is set only when `OLLAMA_HOST` is. */
export type SentimentConfig = z.infer<typeof sentimentConfigSchema>;

/** Parses `env`; throws one clear error listing every bad variable. */
export function loadSentimentConfig(env: Record<string, string | undefined>): SentimentConfig {
  const result = sentimentConfigSchema.safeParse({
    ...env,
    // An empty variable means "not set", as in compose files that pass `OLLAMA_HOST=`.
    OLLAMA_HOST: env.OLLAMA_HOST || undefined,
    OLLAMA_MODEL: env.OLLAMA_MODEL || undefined,
    OLLAMA_TIMEOUT_MS: env.OLLAMA_TIMEOUT_MS || undefined,
  });
  if (!result.success) {
    throw new Error(`invalid configuration for agent "sentiment":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
