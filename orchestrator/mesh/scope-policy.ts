import type { Shopper } from '../auth/access-tokens.js';

/** Which roles may hold a scope; scopes not named here are open to every role. */
export type ScopePolicy = Record<string, Shopper['role'][]>;

/** The default policy: orders for signed-in shoppers, promotions for premium ones only. */
export const DEFAULT_SCOPE_POLICY: ScopePolicy = {
  'orders:read': ['customer', 'premium', 'operator', 'admin'],
  'promotions:read': ['premium'],
};

/** Result of asking for a skill's scopes on behalf of a role. */
export type ScopeGrant = { granted: true; scopes: string[] } | { granted: false; missing: string[] };

/** Grants the scopes a skill requires only if the role may hold every one of them (least privilege). */
export function grantScopes(policy: ScopePolicy, role: Shopper['role'], required: string[]): ScopeGrant {
  const missing = required.filter((scope) => policy[scope] !== undefined && !policy[scope]?.includes(role));
  return missing.length ? { granted: false, missing } : { granted: true, scopes: required };
}
