import { z } from 'zod';

/** Settings of the promotions agent beyond the runtime's: where the shop's offers are, if anywhere. */
export const promotionsConfigSchema = z.object({
  /** A JSON file of offers (see `offerCatalogueSchema`); the demo offers answer when unset. */
  PROMOTIONS_OFFERS_FILE: z.string().min(1).optional(),
});

/** Parsed settings of the promotions agent. */
export type PromotionsConfig = z.infer<typeof promotionsConfigSchema>;

/** Parses `env`; throws one clear error listing every bad variable. */
export function loadPromotionsConfig(env: Record<string, string | undefined>): PromotionsConfig {
  // An empty variable means "unset".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = promotionsConfigSchema.safeParse(present);
  if (!result.success) {
    throw new Error(`invalid configuration for agent "promotions":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
