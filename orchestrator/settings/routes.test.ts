import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, TEST_SCOPE_POLICY } from '../testing/app.js';

// The settings the console's admins read, through the whole app (its mount and its error handling).

let t: Awaited<ReturnType<typeof makeApp>>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await makeApp();
  for (const role of ['customer', 'operator', 'admin'] as const) {
    tokens[role] = (await t.accessTokens.issue({ subject: `${role}-1`, role, name: role })).token;
  }
});

afterAll(async () => {
  await t.close();
});

const get = (path: string, token?: string) =>
  t.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /api/settings/scope-policy', () => {
  it('lists each scope with the roles that may hold it, to an admin', async () => {
    const response = await get('/api/settings/scope-policy', tokens.admin);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { scopes } = (await response.json()) as { scopes: Array<{ scope: string; roles: string[] }> };
    expect(Object.fromEntries(scopes.map((s) => [s.scope, s.roles]))).toEqual(TEST_SCOPE_POLICY);
    expect(scopes.map((s) => s.scope)).toEqual(Object.keys(TEST_SCOPE_POLICY).sort());
  });

  it('refuses operators and shoppers (403 forbidden) and callers without a token (401)', async () => {
    for (const role of ['operator', 'customer']) {
      const response = await get('/api/settings/scope-policy', tokens[role]);
      expect(response.status, role).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });
    }
    expect((await get('/api/settings/scope-policy')).status).toBe(401);
  });
});

describe('GET /api/desk/settings', () => {
  it('is for staff: a shopper is refused, and staff hear that the desk is away when there is none', async () => {
    expect((await get('/api/desk/settings', tokens.customer)).status).toBe(403);
    const response = await get('/api/desk/settings', tokens.operator);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'desk_unavailable' });
  });
});
