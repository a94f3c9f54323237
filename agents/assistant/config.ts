import { z } from 'zod';
import { DEFAULT_HELP_BASE_URL } from './answer.js';

/** The assistant's own settings: an OpenAI-compatible model is optional (retrieval alone without one). */
export const assistantConfigSchema = z
  .object({
    OPENAI_BASE_URL: z.string().url().optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().default(4_000),
    FAQ_PATH: z.string().optional(),
    /** Examples of what the help centre does not answer (e.g. `agents/assistant/out-of-scope.json`); off when absent. */
    OUT_OF_SCOPE_PATH: z.string().optional(),
    /** Base of the help-centre pages citations link to (`<base>/<entry id>`); MUST be https. */
    FAQ_HELP_BASE_URL: z.url({ protocol: /^https$/ }).default(DEFAULT_HELP_BASE_URL),
  })
  .transform((c) => ({
    ...c,
    model:
      c.OPENAI_API_KEY && c.OPENAI_MODEL
        ? {
            baseURL: c.OPENAI_BASE_URL,
            apiKey: c.OPENAI_API_KEY,
            model: c.OPENAI_MODEL,
            timeoutMs: c.OPENAI_TIMEOUT_MS,
          }
        : undefined,
  }));

/** Parses the assistant's settings from `env`. */
export function loadAssistantConfig(env: Record<string, string | undefined>) {
  const result = assistantConfigSchema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid assistant configuration:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
