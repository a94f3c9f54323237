import { z } from 'zod';
import { PG_SIZE } from '../runtime/pg-size.js';
import { assertTimeZone, type BusinessHours, parseBusinessHours } from './hours.js';

/** Settings of the desk beyond the runtime's: where its data lives, when it is open, how work is handed out. */
export const deskConfigSchema = z
  .object({
    /** Folder of the embedded database (`<DATA_DIR>/pglite`), used when `DATABASE_URL` is unset. */
    DATA_DIR: z.string().min(1).default('data/desk'),
    /** PostgreSQL instead of PGlite. */
    DATABASE_URL: z.string().min(1).optional(),
    /**
     * `shared_buffers` of the desk's PGlite. 16MB, not PGlite's 128MB: PGlite zeroes all of it when it opens, and the
     * desk's few handoffs never fill it (its process at rest 340 → about 190 MiB, open 1.3 → 0.7 s).
     */
    DESK_PGLITE_SHARED_BUFFERS: z.string().regex(PG_SIZE, 'a size such as 16MB').default('16MB'),
    /** The schema the desk owns in that database. */
    DESK_DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _')
      .default('desk'),
    /** When people answer, e.g. `mon-fri 09:00-18:00; sat 09:00-13:00`, or `always`. */
    DESK_HOURS: z
      .string()
      .default('always')
      .transform((spec, ctx): BusinessHours => {
        try {
          return parseBusinessHours(spec);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    /** The wall clock `DESK_HOURS` is read on. */
    DESK_TIME_ZONE: z
      .string()
      .default('America/Sao_Paulo')
      .refine(
        (zone) => {
          try {
            assertTimeZone(zone);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'unknown time zone (use an IANA name like America/Sao_Paulo)' },
      ),
    /** `claim`: operators take conversations from the queue; `round-robin`: the desk assigns them at once. */
    DESK_ASSIGNMENT: z.enum(['claim', 'round-robin']).default('claim'),
    DESK_MAX_CHATS_PER_OPERATOR: z.coerce.number().int().positive().default(3),
    /** An operator counts as online this long after their last action or presence update. */
    DESK_PRESENCE_TTL_SEC: z.coerce.number().int().positive().default(90),
    /** FAQ entries the canned replies are drawn from (the assistant's shape). */
    DESK_CANNED_REPLIES_FILE: z.string().min(1).default('agents/assistant/faq.json'),
    /** An `smtp://` or `smtps://` URL; when set, each offline message is also sent by e-mail. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    DESK_NOTIFY_EMAIL: z.email().optional(),
  })
  .refine((c) => !c.SMTP_URL || c.DESK_NOTIFY_EMAIL, {
    message: 'DESK_NOTIFY_EMAIL is required when SMTP_URL is set',
    path: ['DESK_NOTIFY_EMAIL'],
  });

/** Parsed settings of the desk. */
export type DeskConfig = z.infer<typeof deskConfigSchema>;

/** Parses `env`; throws one clear error listing every bad variable. */
export function loadDeskConfig(env: Record<string, string | undefined>): DeskConfig {
  // An empty variable means "unset", as in a compose file that passes SMTP_URL= through.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = deskConfigSchema.safeParse(present);
  if (!result.success) {
    throw new Error(`invalid configuration for agent "desk":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
