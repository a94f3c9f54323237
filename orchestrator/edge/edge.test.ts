import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testCard } from '../../agents/runtime/testing/fixtures.js';
import { createAuditLog } from '../auth/audit-log.js';
import type { SqlClient } from '../store/index.js';
import { postgresTestDatabase } from '../store/test-support.js';
import { makeApp, TEST_ORIGIN, TEST_PASSWORD } from '../testing/app.js';

async function guestToken(t: Awaited<ReturnType<typeof makeApp>>, ip?: string) {
  return ((await (await t.post('/api/auth/guest', {}, { ip })).json()) as any).accessToken as string;
}

describe('security headers and CORS', () => {
  it('sends CSP without unsafe-inline scripts, HSTS, nosniff, frame-ancestors and a referrer policy', async () => {
    const t = await makeApp();
    const response = await t.request('/healthz');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('refuses a request from a foreign origin and allows the configured one', async () => {
    const t = await makeApp();
    const foreign = await t.post('/api/auth/guest', {}, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as any).code).toBe('origin_not_allowed');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    // The refusal itself carries the security headers.
    expect(foreign.headers.get('x-content-type-options')).toBe('nosniff');
    expect(foreign.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const preflight = await t.request('/api/chat/messages', {
      method: 'OPTIONS',
      headers: { origin: TEST_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    const own = await t.post('/api/auth/guest', {}, { headers: { origin: TEST_ORIGIN } });
    expect(own.status).toBe(201);
  });
});

describe('input validation and errors', () => {
  it('answers a 2 MB body with 413 and a clear error', async () => {
    const t = await makeApp();
    const response = await t.post(
      '/api/chat/messages',
      { text: 'x'.repeat(2 * 1024 * 1024) },
      { token: await guestToken(t) },
    );
    expect(response.status).toBe(413);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ code: 'body_too_large' });
    expect(body.requestId).toBeTruthy();
  });

  it('refuses NUL and other control characters with 400 before they reach the database, line breaks allowed', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    for (const text of ['oi\u0000', 'a\u0007b', 'x\u001b[31my']) {
      const response = await t.post('/api/chat/messages', { text }, { token });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).message).toMatch(/control characters/);
    }
    const multiline = await t.post('/api/chat/messages', { text: 'linha 1\nlinha 2\tfim' }, { token });
    expect(multiline.status).toBe(200);
    await multiline.text();
    const named = await t.post('/api/auth/register', {
      email: 'nul@example.com',
      password: 'correct horse battery staple',
      displayName: 'Ana\u0000',
    });
    expect(named.status).toBe(400);
    expect(((await named.json()) as any).code).toBe('invalid_request');
  });

  it('answers malformed JSON, unknown fields and a bad path parameter with 400 { code, message, requestId }', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    const malformed = await t.post('/api/chat/messages', '{"text": "oi"', { token });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'invalid_json' });
    const unknown = await t.post('/api/chat/messages', { text: 'oi', role: 'admin' }, { token });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as any;
    expect(body.code).toBe('invalid_request');
    expect(body.message).toMatch(/role/);
    const badId = await t.request('/api/conversations/not-a-uuid/messages', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(badId.status).toBe(400);
  });

  it('echoes an accepted X-Request-Id and never leaks stack traces', async () => {
    const t = await makeApp();
    const response = await t.request('/api/nothing-here', { headers: { 'x-request-id': 'trace-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const text = await response.text();
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('chat rate limit', () => {
  it('answers the eleventh message in a minute with 429, Retry-After and RateLimit headers', async () => {
    const t = await makeApp();
    const token = await guestToken(t);
    for (let i = 0; i < 10; i++) {
      const response = await t.post('/api/chat/messages', { text: `mensagem ${i}` }, { token });
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(9 - i));
      await response.text();
    }
    const eleventh = await t.post('/api/chat/messages', { text: 'mais uma' }, { token });
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(eleventh.headers.get('ratelimit-limit')).toBe('10');
    expect(eleventh.headers.get('ratelimit-remaining')).toBe('0');
    expect(eleventh.headers.get('ratelimit-policy')).toBe('10;w=60');
    expect(((await eleventh.json()) as any).code).toBe('rate_limited');
    // Another shopper is not affected.
    const other = await t.post('/api/chat/messages', { text: 'oi' }, { token: await guestToken(t) });
    expect(other.status).toBe(200);
    await other.text();
  });

  it('stops a guest from dodging the limit with new sessions from one address', async () => {
    const t = await makeApp();
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const token = await guestToken(t, `198.18.0.${i}`);
      const response = await t.post('/api/chat/messages', { text: 'oi' }, { token, ip: '192.0.2.50' });
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  });

  it("counts the shop's A2A agent and the chat API against one allowance, and guests at /a2a per address", async () => {
    const t = await makeApp();
    /** One A2A task (SendMessage) as `token` from `ip`; the task's final state. */
    const task = async (token: string, ip = '203.0.113.7') => {
      const response = await t.post(
        '/a2a',
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'oi' }] } },
        },
        { token, ip, headers: { 'A2A-Version': '1.0' } },
      );
      return ((await response.json()) as any).result?.task?.status?.state as string;
    };
    const token = await guestToken(t);
    for (let i = 0; i < 6; i++) {
      const response = await t.post('/api/chat/messages', { text: `mensagem ${i}` }, { token });
      expect(response.status).toBe(200);
      await response.text();
    }
    const states: string[] = [];
    for (let i = 0; i < 5; i++) states.push(await task(token));
    // Four tasks fit in what the chat left of the ten (they fail: no agent in this app); the fifth is the eleventh
    // message of the minute.
    expect(states.slice(0, 4)).toEqual(Array(4).fill('TASK_STATE_FAILED'));
    expect(states[4]).toBe('TASK_STATE_REJECTED');
    expect((await t.post('/api/chat/messages', { text: 'e agora?' }, { token })).status).toBe(429);

    // New guest sessions from one address do not multiply the allowance at /a2a either.
    const rotating: string[] = [];
    for (let i = 0; i < 32; i++)
      rotating.push(await task(await guestToken(t, `198.18.1.${i}`), '192.0.2.77'));
    expect(rotating.slice(0, 30)).toEqual(Array(30).fill('TASK_STATE_FAILED'));
    expect(rotating.slice(30)).toEqual(['TASK_STATE_REJECTED', 'TASK_STATE_REJECTED']);
  });

  it('keeps limiting, per process, when the shared store is down (degraded, never down)', async () => {
    // Nothing listens on port 1: every Redis call fails and the insurance limiter in memory takes over.
    const broken = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    broken.on('error', () => undefined);
    try {
      const t = await makeApp({ backend: { kind: 'redis', client: broken } });
      const token = await guestToken(t);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const response = await t.post('/api/chat/messages', { text: 'oi' }, { token });
        statuses.push(response.status);
        await response.text();
      }
      expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      broken.disconnect();
    }
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  // Needs the machine's Redis; `.ci/run` sets TEST_REDIS_URL.
  describe.skipIf(!redisUrl)('shared across replicas through Redis', () => {
    const clients: Redis[] = [];
    afterAll(() => {
      for (const c of clients) c.disconnect();
    });
    it('counts messages sent to two orchestrator replicas against one limit', async () => {
      const prefix = `test-${crypto.randomUUID()}`;
      const make = () => {
        const client = new Redis(redisUrl as string, { keyPrefix: `${prefix}:` });
        clients.push(client);
        return makeApp({ backend: { kind: 'redis', client } });
      };
      const a = await make();
      // The second replica shares the signing keys, as replicas do, and has its own Redis connection.
      const second = new Redis(redisUrl as string, { keyPrefix: `${prefix}:` });
      clients.push(second);
      const b = await makeApp({ backend: { kind: 'redis', client: second }, keys: a.keys });
      const token = await guestToken(a);
      for (let i = 0; i < 10; i++) {
        const response = await (i % 2 ? a : b).post('/api/chat/messages', { text: 'oi' }, { token });
        expect(response.status).toBe(200);
        await response.text();
      }
      expect((await b.post('/api/chat/messages', { text: 'oi' }, { token })).status).toBe(429);
      // Two orchestrators, each with its own database: slow to build on a loaded machine.
    }, 90_000);
  });

  const databaseUrl = process.env.TEST_DATABASE_URL;
  // Needs the machine's PostgreSQL; `.ci/run` sets TEST_DATABASE_URL.
  describe.skipIf(!databaseUrl)('shared across replicas through PostgreSQL', () => {
    it('counts messages sent to two orchestrator replicas against one limit', async () => {
      const pools: pg.Pool[] = [];
      const schema = `rl_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const admin = new pg.Pool({ connectionString: databaseUrl });
      pools.push(admin);
      await admin.query(`create schema ${schema}`);
      try {
        const pool = () => {
          const p = new pg.Pool({ connectionString: databaseUrl, max: 2 });
          pools.push(p);
          return p;
        };
        const a = await makeApp({ backend: { kind: 'postgres', pool: pool(), schemaName: schema } });
        const b = await makeApp({
          backend: { kind: 'postgres', pool: pool(), schemaName: schema },
          keys: a.keys,
        });
        const token = await guestToken(a);
        for (let i = 0; i < 10; i++) {
          const response = await (i % 2 ? a : b).post('/api/chat/messages', { text: 'oi' }, { token });
          expect(response.status).toBe(200);
          await response.text();
        }
        expect((await a.post('/api/chat/messages', { text: 'oi' }, { token })).status).toBe(429);
      } finally {
        await admin.query(`drop schema ${schema} cascade`);
        for (const p of pools) await p.end();
      }
    }, 90_000);
  });
});

describe('least privilege in the mesh', () => {
  const ordersCard = testCard('https://orders.test/a2a', {
    name: 'Orders',
    skills: [
      {
        id: 'order-status',
        name: 'Order status',
        description: 'Status and tracking of your orders.',
        tags: ['orders', 'pedido', 'rastreio'],
        examples: ['Onde está meu pedido?'],
        securityRequirements: [{ schemes: { serviceToken: { list: ['orders:read'] } } }],
      },
    ],
  });

  it('asks a guest who asks about orders to sign in, without sending any task', async () => {
    const t = await makeApp({ cards: [{ baseUrl: 'https://orders.test', card: ordersCard }] });
    const response = await t.post(
      '/api/chat/messages',
      { text: 'onde está meu pedido?' },
      { token: await guestToken(t) },
    );
    const text = await response.text();
    expect(text).toMatch(/entre na sua conta/);
    expect(text).toMatch(/sign_in_required/);
    expect(text).not.toMatch(/event: error/);
    expect((await t.audit.recent({ event: 'role_refused' })).length).toBe(1);
  });
});

describe('a refusal beside an answer', () => {
  it('is still said when the answer it stood beside fails', async () => {
    const card = (name: string, id: string, scope: string, tags: string[], examples: string[]) =>
      testCard(`https://${id}.test/a2a`, {
        name,
        skills: [
          {
            id,
            name,
            description: name,
            tags,
            examples,
            securityRequirements: [{ schemes: { serviceToken: { list: [scope] } } }],
          },
        ],
      });
    const t = await makeApp({
      cards: [
        {
          baseUrl: 'https://offers.test',
          card: card(
            'Offers',
            'offers',
            'promotions:read',
            ['cupom', 'desconto'],
            ['Tem cupom de desconto?'],
          ),
        },
        {
          baseUrl: 'https://orders.test',
          card: card('Orders', 'orders', 'orders:read', ['pedido', 'rastreio'], ['Onde está meu pedido?']),
        },
      ],
    });
    const login = await t.post('/api/auth/login', { email: 'customer@atende.dev', password: TEST_PASSWORD });
    const { accessToken } = (await login.json()) as any;
    // A customer may not see offers, so the order part answers alone; here the orders agent cannot be reached.
    const response = await t.post(
      '/api/chat/messages',
      { text: 'Tem algum cupom de desconto? E onde está meu pedido?' },
      { token: accessToken },
    );
    const text = await response.text();
    expect(text).toMatch(/"kind":"not_available"/);
    expect(text).toMatch(/Desculpe/);
    expect(text).toMatch(/não está disponível para a sua conta/);
    expect(text).toMatch(/event: error/);
  });
});

describe('audit log', () => {
  async function refusesChanges(sql: SqlClient) {
    const audit = createAuditLog({ sql });
    await audit.record({ event: 'login_failed', subject: 'x' });
    await expect(sql.query('delete from audit_log')).rejects.toThrow(/append-only/);
    await expect(sql.query("update audit_log set event = 'login_succeeded'")).rejects.toThrow(/append-only/);
    await expect(sql.query('truncate audit_log')).rejects.toThrow(/append-only/);
    expect((await audit.recent()).length).toBe(1);
  }

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const t = await makeApp();
    await refusesChanges(t.sql);
  });

  const postgresUrl = process.env.TEST_DATABASE_URL;
  it.skipIf(!postgresUrl)('is append-only on PostgreSQL too', async () => {
    const db = await postgresTestDatabase(postgresUrl as string);
    try {
      await refusesChanges(db.sql);
    } finally {
      await db.dispose();
    }
  });
});

describe('what the public can see', () => {
  it('shows agents’ states on /healthz without internal addresses, and the details only to staff', async () => {
    const card = testCard('https://agent.internal:9101/a2a');
    const t = await makeApp({ cards: [{ baseUrl: 'https://agent.internal:9101', card }] });
    const health = await (await t.request('/healthz')).text();
    expect(health).toMatch(/"state":"up"/);
    expect(health).not.toMatch(/agent\.internal/);
    const guest = await guestToken(t);
    const asGuest = await t.request('/api/agents', { headers: { authorization: `Bearer ${guest}` } });
    expect(asGuest.status).toBe(403);
    const operator = await t.accessTokens.issue({ subject: 'op', role: 'operator' });
    const asOperator = await t.request('/api/agents', {
      headers: { authorization: `Bearer ${operator.token}` },
    });
    expect(asOperator.status).toBe(200);
    expect(await asOperator.text()).toMatch(/agent\.internal/);
  });
});

describe('metrics are for admins', () => {
  it('serves the summary and the Prometheus text to an admin only, and counts chat messages', async () => {
    const t = await makeApp();
    const guest = await guestToken(t);
    await (await t.post('/api/chat/messages', { text: 'oi' }, { token: guest })).text();
    const admin = (await t.accessTokens.issue({ subject: 'admin', role: 'admin' })).token;
    expect((await t.request('/metrics')).status).toBe(401);
    expect((await t.request('/metrics', { headers: { authorization: `Bearer ${guest}` } })).status).toBe(403);
    const metrics = await t.request('/metrics', { headers: { authorization: `Bearer ${admin}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/atende_chat_messages_total\{role="guest"\} 1/);
    expect(
      (await t.request('/api/metrics/summary', { headers: { authorization: `Bearer ${guest}` } })).status,
    ).toBe(403);
    const summary = await t.request('/api/metrics/summary', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as any).conversations.total).toBeGreaterThanOrEqual(0);
  });
});

describe('the shop’s own A2A agent', () => {
  it('takes JSON-RPC at /a2a/ as at /a2a, and answers a conditional card request with 304', async () => {
    const t = await makeApp();
    const bare = await t.request('/a2a', {
      method: 'POST',
      headers: { 'A2A-Version': '1.0', 'content-type': 'application/json' },
      body: '{}',
    });
    const slash = await t.request('/a2a/', {
      method: 'POST',
      headers: { 'A2A-Version': '1.0', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bare.status).toBe(401);
    expect(slash.status).toBe(401);
    const card = await t.request('/.well-known/agent-card.json');
    const etag = card.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const cached = await t.request('/.well-known/agent-card.json', { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
  });

  it('publishes its card and refuses a task without an access token', async () => {
    const t = await makeApp();
    const card = (await (await t.request('/.well-known/agent-card.json')).json()) as any;
    expect(card.supportedInterfaces[0].url).toBe(`${TEST_ORIGIN}/a2a`);
    expect(card.skills.map((s: any) => s.id)).toContain('customer-support');
    const refused = await t.request('/a2a', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }),
    });
    expect(refused.status).toBe(401);
  });
});
