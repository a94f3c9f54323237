import { randomUUID } from 'node:crypto';
import type { Shopper } from '../auth/access-tokens.js';
import type { AgentDirectory } from '../mesh/agent-directory.js';
import type { Dispatcher } from '../mesh/dispatch.js';
import { grantScopes, type ScopePolicy, skillScopes } from '../mesh/scope-policy.js';

/** The card tag of the skill that lists a shopper's orders. */
const ORDERS_TAG = 'orders';

/**
 * The shopper's orders for the operator's side panel: a task to the skill tagged `orders`, sent *as the shopper*
 * (the token's subject is the shopper, with the shopper's role and scopes), so the operator sees exactly what the
 * shopper may see and nothing more. Null when no such skill is up or the shopper's role may not read orders.
 */
export function ordersLookup(deps: {
  directory: AgentDirectory;
  dispatcher: Dispatcher;
  scopePolicy: ScopePolicy;
}) {
  return async (shopper: Shopper, correlationId: string): Promise<unknown[] | null> => {
    const agent = deps.directory
      .available()
      .find((a) => a.card.skills.some((s) => s.tags.includes(ORDERS_TAG)));
    const skill = agent?.card.skills.find((s) => s.tags.includes(ORDERS_TAG));
    if (!agent || !skill) return null;
    const grant = grantScopes(deps.scopePolicy, shopper.role, skillScopes(agent.card, skill));
    if (!grant.granted) return null;
    const orders: unknown[] = [];
    for await (const update of deps.dispatcher.stream({
      target: { agent, skill },
      text: 'meus pedidos',
      contextId: randomUUID(),
      locale: 'pt-BR',
      subject: shopper.subject,
      role: shopper.role,
      correlationId,
      scopes: grant.scopes,
    })) {
      if (update.kind === 'data' && update.data.kind === 'order') orders.push(update.data.order);
    }
    return orders;
  };
}
