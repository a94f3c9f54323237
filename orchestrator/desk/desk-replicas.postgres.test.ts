import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts, loadTlsMaterial, SERVICES } from '../../certs/certs.js';
import { createPostgresClient } from '../store/index.js';
import { apiCaller, freePort, publicFetch, readEvents, readSse, spawnAgent } from '../testing/harness.js';

// A handoff across replicas on one PostgreSQL: the shopper talks to replica A, the operator works on replica B; the
// desk's updates reach the shopper on A and the shopper's answer reaches the operator. When the replica that
// followed the desk's task stops, another one follows it on (HANDOFF_FOLLOW_INTERVAL_MS).
const databaseUrl = process.env.TEST_DATABASE_URL;
const ORCHESTRATOR_MAIN = join(import.meta.dirname, '../main.ts');
const PASSWORD = 'replica-desk-password';

describe.skipIf(!databaseUrl)('the human desk across replicas on PostgreSQL (TEST_DATABASE_URL)', () => {
  const schema = `test_desk_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let web: ReturnType<typeof publicFetch>;
  const children = new Map<string, ChildProcess>();
  let a: string;
  let b: string;

  beforeAll(async () => {
    const certsDir = await mkdtemp(join(tmpdir(), 'atende-desk-replicas-'));
    await generateCerts({ dir: certsDir, services: [...SERVICES] });
    web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
    const dataDir = await mkdtemp(join(tmpdir(), 'atende-desk-replicas-data-'));
    const deskDir = await mkdtemp(join(tmpdir(), 'atende-desk-replicas-desk-'));
    const [portA, portB, assistantPort, deskPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    a = `https://localhost:${portA}`;
    b = `https://localhost:${portB}`;
    const agentUrls = [assistantPort, deskPort].map((p) => `https://localhost:${p}`).join(',');
    const replica = (port: number) =>
      spawnAgent({
        entry: ORCHESTRATOR_MAIN,
        readyPattern: /orchestrator listening/,
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          CERTS_DIR: certsDir,
          DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl ?? '',
          DATABASE_SCHEMA: schema,
          AGENT_URLS: agentUrls,
          DISCOVERY_INTERVAL_MS: '500',
          HANDOFF_FOLLOW_INTERVAL_MS: '500',
          DEMO_PASSWORD: PASSWORD,
          PUBLIC_URL: `https://localhost:${port}`,
        },
      });
    // A first, so B finds the signing keys A wrote (replicas share keys, as they must in production).
    children.set('a', await replica(portA));
    for (const [name, port] of [
      ['assistant', assistantPort],
      ['desk', deskPort],
    ] as const) {
      children.set(
        name,
        await spawnAgent({
          entry: join(import.meta.dirname, `../../agents/${name}/main.ts`),
          env: {
            PORT: String(port),
            PUBLIC_URL: `https://localhost:${port}`,
            CERTS_DIR: certsDir,
            ORCHESTRATOR_JWKS_URL: `${a}/.well-known/jwks.json`,
            ...(name === 'desk' ? { DATA_DIR: deskDir } : {}),
          },
        }),
      );
    }
    children.set('b', await replica(portB));
    for (const base of [a, b]) {
      for (let i = 0; i < 150; i++) {
        const health = (await (await web.fetch(`${base}/healthz`)).json()) as {
          agents: Array<{ state: string }>;
        };
        if (health.agents.every((x) => x.state === 'up')) break;
        if (i === 149) throw new Error(`agents not up on ${base}: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGTERM');
    await web?.close();
    const admin = await createPostgresClient({ connectionString: databaseUrl ?? '', maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
  });

  const api = (base: string, token: string, method: string, path: string, body?: unknown) =>
    apiCaller(web.fetch, base)(token, method, path, body);

  async function waitUntil(check: () => boolean | Promise<boolean>, what: string) {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} never met`);
  }

  it('serves the shopper on one replica and the operator on another, and survives the following replica stopping', async () => {
    const shopper = ((await (await web.fetch(`${a}/api/auth/guest`, { method: 'POST' })).json()) as any)
      .accessToken as string;
    const login = await web.fetch(`${b}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'operator@atende.dev', password: PASSWORD }),
    });
    const operator = ((await login.json()) as any).accessToken as string;
    expect((await api(b, operator, 'PUT', '/api/desk/presence', { status: 'online' })).status).toBe(200);

    const asked = await readSse(
      await web.fetch(`${a}/api/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${shopper}` },
        body: JSON.stringify({ text: 'I want to talk to a human', locale: 'en' }),
      }),
    );
    const conversationId = asked[0]?.data.conversationId as string;
    const events: any[] = [];
    const stop = new AbortController();
    const reading = web
      .fetch(`${a}/api/conversations/${conversationId}/events`, {
        headers: { authorization: `Bearer ${shopper}` },
        signal: stop.signal,
      })
      .then((response) => readEvents(response, (_e, data) => void events.push(data)))
      .catch(() => undefined);
    try {
      await waitUntil(
        () => events.some((e) => e.kind === 'handoff' && e.data.state === 'queued'),
        'queued on A',
      );
      expect((await api(b, operator, 'POST', `/api/desk/conversations/${conversationId}/claim`)).status).toBe(
        200,
      );
      await api(b, operator, 'POST', `/api/desk/conversations/${conversationId}/messages`, {
        text: 'Hi, Ana here',
      });
      await waitUntil(
        () =>
          events.some(
            (e) => e.kind === 'message' && e.data.role === 'operator' && e.data.text === 'Hi, Ana here',
          ),
        'the operator’s message on A',
      );
      // The shopper writes through B; it reaches the desk, not the bots.
      const answer = await readSse(
        await web.fetch(`${b}/api/chat/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${shopper}` },
          body: JSON.stringify({ text: 'My parcel is late', locale: 'en', conversationId }),
        }),
      );
      expect(answer.map((e) => e.event)).toEqual(['conversation', 'done']);
      await waitUntil(async () => {
        const got = await api(b, operator, 'GET', `/api/desk/conversations/${conversationId}`);
        return got.body.messages.some((m: any) => m.text === 'My parcel is late');
      }, 'the shopper’s answer at the desk');

      // Replica A, which followed the desk's task, stops: B follows it on, and the shopper reads it on B.
      children.get('a')?.kill('SIGTERM');
      children.delete('a');
      await api(b, operator, 'POST', `/api/desk/conversations/${conversationId}/messages`, {
        text: 'Still here',
      });
      await api(b, operator, 'POST', `/api/desk/conversations/${conversationId}/resolve`);
      await waitUntil(async () => {
        const page = await api(b, shopper, 'GET', `/api/conversations/${conversationId}/messages`);
        return page.body.messages.some((m: any) => m.author === 'operator' && m.text === 'Still here');
      }, 'the message said after A stopped, stored through B');
      const history = await api(b, shopper, 'GET', `/api/conversations/${conversationId}/messages`);
      // Each operator message stored once, however many replicas followed the task.
      expect(
        history.body.messages.filter((m: any) => m.author === 'operator').map((m: any) => m.text),
      ).toEqual(['Hi, Ana here', 'Still here']);
    } finally {
      stop.abort();
      await reading;
    }
  }, 90_000);
});
