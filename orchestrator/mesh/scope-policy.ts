import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import { z } from 'zod';
import type { Shopper } from '../auth/access-tokens.js';

/** Which roles may hold each scope. A scope not named here is held by no role: least privilege by default. */
export type ScopePolicy = Record<string, Shopper['role'][]>;

const ROLES = ['guest', 'customer', 'premium', 'operator', 'admin'] as const;

/** The policy as configured (`SCOPE_POLICY`): a JSON object from scope to the roles that may hold it. */
export const scopePolicySchema = z.record(z.string().min(1), z.array(z.enum(ROLES)));

/**
 * The default policy, for the agents Atende ships: the FAQ and sentiment for everyone, orders for signed-in
 * shoppers, promotions for premium ones only; handing a conversation to a person for everyone, acting at the desk
 * for operators and admins. A shop that adds an agent whose card asks for a new scope grants it
 * here (by configuration), or no shopper's message reaches that skill.
 */
export const DEFAULT_SCOPE_POLICY: ScopePolicy = {
  'assistant:faq': [...ROLES],
  'sentiment:classify': [...ROLES],
  'orders:read': ['customer', 'premium', 'operator', 'admin'],
  'promotions:read': ['premium'],
  'desk:handoff': [...ROLES],
  'desk:operate': ['operator', 'admin'],
};

/** Result of asking for a skill's scopes on behalf of a role. */
export type ScopeGrant = { granted: true; scopes: string[] } | { granted: false; missing: string[] };

/** Grants the scopes a skill requires only if the role may hold every one of them (least privilege). */
export function grantScopes(policy: ScopePolicy, role: Shopper['role'], required: string[]): ScopeGrant {
  const missing = required.filter((scope) => !policy[scope]?.includes(role));
  return missing.length ? { granted: false, missing } : { granted: true, scopes: required };
}

/** Scopes that a card's skills require and that no role may hold under `policy`: worth a warning at discovery. */
export function ungrantedScopes(policy: ScopePolicy, required: string[]): string[] {
  return required.filter((scope) => !policy[scope]?.length);
}

/** The scopes a skill's security requirements name (the card's own requirements when the skill has none). */
export function skillScopes(card: AgentCard, skill: AgentSkill): string[] {
  const requirements = skill.securityRequirements.length
    ? skill.securityRequirements
    : card.securityRequirements;
  return requirements.flatMap((r) => Object.values(r.schemes).flatMap((l) => l.list));
}
