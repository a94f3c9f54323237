import { z } from 'zod';

/** Settings of the orders agent beyond the runtime's: where the shop's order API is, if anywhere. */
export const ordersConfigSchema = z.object({
  /** Base URL of the shop's order API; the demo data answers when unset. */
  ORDERS_API_URL: z.url().optional(),
  /** Bearer key for the order API. */
  ORDERS_API_KEY: z.string().min(1).optional(),
  /** Time allowed for each order API request, in milliseconds. */
  ORDERS_API_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
});

/** Parsed settings of the orders agent. */
export type OrdersConfig = z.infer<typeof ordersConfigSchema>;

/** Parses `env`; throws one clear error listing every bad variable. */
export function loadOrdersConfig(env: Record<string, string | undefined>): OrdersConfig {
  // An empty variable means "unset", as in a compose file that passes ORDERS_API_URL= through.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = ordersConfigSchema.safeParse(present);
  if (!result.success) {
    throw new Error(`invalid configuration for agent "orders":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
