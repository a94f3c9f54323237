import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, TEST_PASSWORD } from '../../../orchestrator/testing/app.js';
import { ConsoleSession, renewalDelay, SignInError } from './session.js';

// The console's session against the orchestrator's real auth routes, in-process; two "tabs" share a real
// BroadcastChannel as two tabs of one browser do.

let t: Awaited<ReturnType<typeof makeApp>>;
const channels: BroadcastChannel[] = [];

beforeAll(async () => {
  t = await makeApp();
});

afterAll(async () => {
  for (const channel of channels) channel.close();
  await t.close();
});

/** A Storage in memory (Node has no sessionStorage). */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

const inProcess = ((input: string | URL | Request, init?: RequestInit) =>
  t.request(String(input), init)) as typeof fetch;

function tab(name = `console-test-${Math.random()}`, storage = memoryStorage()) {
  const channel = new BroadcastChannel(name);
  channels.push(channel);
  return { session: new ConsoleSession({ storage, fetch: inProcess, channel }), storage, name };
}

const changed = (session: ConsoleSession) =>
  new Promise<void>((resolve) => session.addEventListener('change', () => resolve(), { once: true }));

async function refreshWorks(refreshToken: string): Promise<number> {
  return (await t.post('/api/auth/refresh', { refreshToken })).status;
}

describe('the console session', () => {
  it('renews a minute before expiry, half-way through a short token, never in a tight loop', () => {
    expect(renewalDelay(15 * 60_000)).toBe(14 * 60_000);
    expect(renewalDelay(60_000)).toBe(30_000);
    expect(renewalDelay(120_000)).toBe(60_000);
    expect(renewalDelay(0)).toBe(1_000);
  });

  it('signs staff in, calls the API with the bearer token, and refreshes with rotation', async () => {
    const { session, storage } = tab();
    const staff = await session.login('operator@atende.dev', TEST_PASSWORD);
    expect(staff).toMatchObject({ role: 'operator', name: 'Carla Operadora' });
    const agents = await session.api('/api/agents');
    expect(agents.status).toBe(200);
    const first = JSON.parse(storage.getItem('atende.console-session') ?? '{}').refreshToken as string;
    expect(await session.refresh()).toBe(true);
    const second = JSON.parse(storage.getItem('atende.console-session') ?? '{}').refreshToken as string;
    expect(second).not.toBe(first);
    expect((await session.api('/api/agents')).status).toBe(200);
    await session.logout();
  });

  it('refuses a shopper with a reason and keeps nothing', async () => {
    const { session, storage } = tab();
    const error = await session.login('customer@atende.dev', TEST_PASSWORD).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect(error).toMatchObject({ reason: 'not_staff', role: 'customer' });
    expect(session.staff).toBeUndefined();
    expect(storage.length).toBe(0);
    const wrong = await session.login('admin@atende.dev', 'wrong password!').catch((e: unknown) => e);
    expect(wrong).toMatchObject({ reason: 'invalid_credentials' });
  });

  it('lends the session to a new tab, and a logout in one tab signs all out and revokes the refresh token', async () => {
    const a = tab();
    await a.session.login('admin@atende.dev', TEST_PASSWORD);
    const b = tab(a.name);
    expect(await b.session.restore()).toBe(true);
    expect(b.session.staff).toMatchObject({ role: 'admin', name: 'Davi Admin' });

    // A rotation in one tab reaches the other, so neither spends an old token.
    await b.session.refresh();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rotated = JSON.parse(a.storage.getItem('atende.console-session') ?? '{}').refreshToken as string;
    expect(rotated).toBe(JSON.parse(b.storage.getItem('atende.console-session') ?? '{}').refreshToken);

    const signedOut = changed(a.session);
    await b.session.logout();
    await signedOut;
    expect(a.session.staff).toBeUndefined();
    expect(await refreshWorks(rotated)).toBe(401);
    // A reload of a signed-out tab stays signed out.
    expect(await tab(a.name, a.storage).session.restore()).toBe(false);
  });

  it('signs out when the server refuses the refresh token', async () => {
    const { session, storage } = tab();
    await session.login('operator@atende.dev', TEST_PASSWORD);
    const { refreshToken } = JSON.parse(storage.getItem('atende.console-session') ?? '{}');
    // Revoked elsewhere (a logout in another browser of the same family).
    expect((await t.post('/api/auth/logout', { refreshToken })).status).toBe(204);
    const signedOut = changed(session);
    expect(await session.refresh()).toBe(false);
    await signedOut;
    expect(session.staff).toBeUndefined();
    expect(storage.length).toBe(0);
  });
});
