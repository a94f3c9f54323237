import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseAgentCard } from '../../agents/runtime/index.js';
import { makeApp } from '../testing/app.js';

type App = Awaited<ReturnType<typeof makeApp>>;

async function guestToken(t: App, ip?: string) {
  return ((await (await t.post('/api/auth/guest', {}, { ip })).json()) as any).accessToken as string;
}

async function login(t: App, email: string) {
  const response = await t.post('/api/auth/login', { email, password: 'correct horse battery' });
  return ((await response.json()) as any).accessToken as string;
}

/** A token with every right claim, signed by a key that is not the orchestrator's. */
async function forgedToken() {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer('atende-orchestrator')
    .setAudience('atende-api')
    .setSubject('user:mallory')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

describe('security events in the audit log', () => {
  it('records a refused access token with the address, the request id and the reason', async () => {
    const t = await makeApp();
    const response = await t.post(
      '/api/chat/messages',
      { text: 'oi' },
      { token: await forgedToken(), ip: '198.51.100.4', headers: { 'x-request-id': 'attack-1' } },
    );
    expect(response.status).toBe(401);
    const [entry] = await t.audit.recent({ event: 'token_refused' });
    expect(entry).toMatchObject({ ip: '198.51.100.4', requestId: 'attack-1' });
    expect(entry?.details).toMatchObject({ path: '/api/chat/messages' });
    expect(String(entry?.details.reason)).toMatch(/signature/);
    // A missing token is not an attack on one: nothing is recorded for it.
    expect((await t.request('/api/agents')).status).toBe(401);
    expect(await t.audit.recent({ event: 'token_refused' })).toHaveLength(1);
  });

  it('records a refused token at the shop’s own A2A agent too, but not a missing one', async () => {
    const t = await makeApp();
    const rpc = (authorization?: string) =>
      t.request('/a2a', {
        method: 'POST',
        ip: '198.51.100.9',
        headers: {
          'content-type': 'application/json',
          'A2A-Version': '1.0',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'oi' }] } },
        }),
      });
    expect((await rpc()).status).toBe(401);
    expect((await rpc(`Bearer ${await forgedToken()}`)).status).toBe(401);
    const entries = await t.audit.recent({ event: 'token_refused' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ ip: '198.51.100.9', details: { path: '/a2a' } });
    expect(String(entries[0]?.details.reason)).toMatch(/signature/);
  });

  it('caps refused tokens at 30 a minute per address, so a flood cannot fill the append-only log', async () => {
    const t = await makeApp();
    const token = await forgedToken();
    for (let i = 0; i < 40; i++) {
      const response = await t.request('/api/agents', {
        headers: { authorization: `Bearer ${token}` },
        ip: '198.51.100.5',
      });
      expect(response.status).toBe(401);
    }
    await t.request('/api/agents', { headers: { authorization: `Bearer ${token}` }, ip: '198.51.100.6' });
    const entries = await t.audit.recent({ event: 'token_refused', limit: 100 });
    expect(entries.filter((e) => e.ip === '198.51.100.5')).toHaveLength(30);
    expect(entries.filter((e) => e.ip === '198.51.100.6')).toHaveLength(1);
  });

  it('records a foreign origin', async () => {
    const t = await makeApp();
    await t.post('/api/auth/guest', {}, { headers: { origin: 'https://evil.example' }, ip: '198.51.100.7' });
    const [entry] = await t.audit.recent({ event: 'origin_refused' });
    expect(entry).toMatchObject({ ip: '198.51.100.7', details: { origin: 'https://evil.example' } });
  });

  it('records a role refused by a staff-only route, capped per subject', async () => {
    const t = await makeApp();
    const customer = await login(t, 'customer@atende.dev');
    expect(
      (await t.request('/api/agents', { headers: { authorization: `Bearer ${customer}` } })).status,
    ).toBe(403);
    const [entry] = await t.audit.recent({ event: 'role_refused' });
    expect(entry).toMatchObject({ details: { role: 'customer', route: '/api/agents' } });
    expect(entry?.subject).toMatch(/^[0-9a-f-]{36}$/);

    const guest = await guestToken(t);
    for (let i = 0; i < 35; i++) {
      const response = await t.request('/api/metrics/summary', {
        headers: { authorization: `Bearer ${guest}` },
      });
      expect(response.status).toBe(403);
    }
    const inspector = await t.post('/api/inspector/inspect', { url: 'https://x.test' }, { token: customer });
    expect(inspector.status).toBe(403);
    const entries = await t.audit.recent({ event: 'role_refused', limit: 100 });
    expect(entries.filter((e) => e.details.role === 'guest')).toHaveLength(30);
    expect(entries.filter((e) => e.details.route === '/api/inspector/inspect')).toHaveLength(1);
  });

  it('records a role refused in the chat with the address, capped at 30 a minute per address', async () => {
    const promotions = parseAgentCard(
      JSON.parse(readFileSync(join(import.meta.dirname, '../../agent-cards/promotions.json'), 'utf8')),
    );
    const t = await makeApp({
      cards: [{ baseUrl: 'https://promotions.test', card: promotions }],
      chatMessagesPerMinute: 1000,
    });
    // A signed-in customer (guests are held to 30 messages a minute per address anyway) asking for premium offers.
    const customer = await login(t, 'customer@atende.dev');
    for (let i = 0; i < 100; i++) {
      const reply = await t.post(
        '/api/chat/messages',
        { text: 'tem cupom de desconto?' },
        { token: customer, ip: '198.51.100.9' },
      );
      expect(await reply.text()).toMatch(/not_available/);
    }
    const entries = await t.audit.recent({ event: 'role_refused', limit: 100 });
    // 100 refusals in a minute from one address, 30 rows: each with the address.
    expect(entries).toHaveLength(30);
    expect(entries.every((e) => e.ip === '198.51.100.9')).toBe(true);
    expect(entries[0]).toMatchObject({
      ip: '198.51.100.9',
      details: { role: 'customer', skill: 'premium-offers' },
    });
  }, 180_000);

  it('records a spent rate limit once a minute per client, however many messages follow', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    for (let i = 0; i < 10; i++)
      await (await t.post('/api/chat/messages', { text: `m${i}` }, { token })).text();
    for (let i = 0; i < 5; i++) {
      expect((await t.post('/api/chat/messages', { text: 'again' }, { token })).status).toBe(429);
    }
    expect(await t.audit.recent({ event: 'rate_limited' })).toHaveLength(1);
  });

  it('still answers 429 when the audit log cannot be written, and the process goes on', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    for (let i = 0; i < 10; i++)
      await (await t.post('/api/chat/messages', { text: `m${i}` }, { token })).text();
    await t.sql.query('alter table audit_log rename to audit_log_away');
    const limited = await t.post('/api/chat/messages', { text: 'again' }, { token });
    expect(limited.status).toBe(429);
    const refused = await t.post('/api/chat/messages', { text: 'oi' }, { token: await forgedToken() });
    expect(refused.status).toBe(401);
  });
});

describe('errors and request ids', () => {
  it('answers a failing dependency with 500 { code, message, requestId } and no internal detail', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    await t.sql.query('alter table messages rename to messages_away');
    const response = await t.post(
      '/api/chat/messages',
      { text: 'oi' },
      { token, headers: { 'x-request-id': 'r-500' } },
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as any;
    expect(body).toEqual({ code: 'internal_error', message: 'internal error', requestId: 'r-500' });
    // The service still answers what does not need the broken table.
    expect((await t.request('/healthz')).status).toBe(200);
  });

  it('replaces an X-Request-Id that does not look like one with its own', async () => {
    const t = await makeApp();
    for (const bad of ['has spaces in it', 'x'.repeat(200), 'quote"inside']) {
      const response = await t.request('/healthz', { headers: { 'x-request-id': bad } });
      const id = response.headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('sends the request id with every task to an agent', async () => {
    const seen: Array<string | null> = [];
    const { testCard } = await import('../../agents/runtime/testing/fixtures.js');
    const t = await makeApp({
      cards: [{ baseUrl: 'https://agent.test', card: testCard('https://agent.test/a2a') }],
      meshFetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        seen.push(request.headers.get('x-request-id'));
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    const response = await t.post(
      '/api/chat/messages',
      { text: 'repeat after me' },
      { token: await guestToken(t), headers: { 'x-request-id': 'trace-to-agent' } },
    );
    await response.text();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((id) => id === 'trace-to-agent')).toBe(true);
  });
});
