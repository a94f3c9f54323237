import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { DEFAULT_SCOPE_POLICY, grantScopes, ungrantedScopes } from './scope-policy.js';

describe('the scope policy', () => {
  it('grants promotions to premium shoppers only, and orders to signed-in ones', () => {
    expect(grantScopes(DEFAULT_SCOPE_POLICY, 'premium', ['promotions:read'])).toEqual({
      granted: true,
      scopes: ['promotions:read'],
    });
    expect(grantScopes(DEFAULT_SCOPE_POLICY, 'customer', ['promotions:read'])).toEqual({
      granted: false,
      missing: ['promotions:read'],
    });
    expect(grantScopes(DEFAULT_SCOPE_POLICY, 'guest', ['orders:read']).granted).toBe(false);
    expect(grantScopes(DEFAULT_SCOPE_POLICY, 'customer', ['orders:read']).granted).toBe(true);
  });

  it('grants a scope it does not name to nobody', () => {
    for (const role of ['guest', 'customer', 'premium', 'operator', 'admin'] as const) {
      expect(grantScopes(DEFAULT_SCOPE_POLICY, role, ['payments:refund'])).toEqual({
        granted: false,
        missing: ['payments:refund'],
      });
    }
    expect(ungrantedScopes(DEFAULT_SCOPE_POLICY, ['payments:refund', 'orders:read'])).toEqual([
      'payments:refund',
    ]);
  });

  it('needs every scope of a skill, not just one', () => {
    expect(grantScopes(DEFAULT_SCOPE_POLICY, 'customer', ['orders:read', 'promotions:read'])).toEqual({
      granted: false,
      missing: ['promotions:read'],
    });
  });

  it('is configured with SCOPE_POLICY, and a bad policy is a clear start-up error', () => {
    expect(loadConfig({}).SCOPE_POLICY).toEqual(DEFAULT_SCOPE_POLICY);
    const config = loadConfig({ SCOPE_POLICY: '{"returns:write":["customer","premium"]}' });
    expect(grantScopes(config.SCOPE_POLICY, 'premium', ['returns:write']).granted).toBe(true);
    expect(grantScopes(config.SCOPE_POLICY, 'premium', ['orders:read']).granted).toBe(false);
    expect(() => loadConfig({ SCOPE_POLICY: 'orders:read=customer' })).toThrow(/SCOPE_POLICY/);
    expect(() => loadConfig({ SCOPE_POLICY: '{"orders:read":["root"]}' })).toThrow(/SCOPE_POLICY/);
  });
});
