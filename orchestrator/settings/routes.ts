import { Hono } from 'hono';
import type { AccessTokens } from '../auth/access-tokens.js';
import { RoleRefusedError } from '../errors.js';
import { DEFAULT_SCOPE_POLICY, type ScopePolicy } from '../mesh/scope-policy.js';

/** What the settings routes need: the token verifier and the scope policy in force (`SCOPE_POLICY`). */
export interface SettingsRoutesDeps {
  accessTokens: AccessTokens;
  /** Defaults to {@link DEFAULT_SCOPE_POLICY}, as the configuration does. */
  scopePolicy?: ScopePolicy;
}

/**
 * Mount with `app.route('/api/settings', settingsRoutes(deps))`. `GET /scope-policy`: which roles may hold each
 * scope, for admins only (403 `forbidden` for everyone else); read-only, since the policy is configuration.
 */
export function settingsRoutes(deps: SettingsRoutesDeps) {
  const policy = deps.scopePolicy ?? DEFAULT_SCOPE_POLICY;
  const app = new Hono();

  app.get('/scope-policy', async (c) => {
    const caller = await deps.accessTokens.verify(c.req.header('authorization'));
    if (caller.role !== 'admin')
      throw new RoleRefusedError(caller, 'only an admin may read the scope policy');
    const scopes = Object.entries(policy)
      .map(([scope, roles]) => ({ scope, roles: [...roles] }))
      .sort((a, b) => a.scope.localeCompare(b.scope));
    return c.json({ scopes }, 200, { 'cache-control': 'no-store' });
  });

  return app;
}
