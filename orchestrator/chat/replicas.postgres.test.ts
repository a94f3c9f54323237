import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventStream } from '../../agents/runtime/index.js';
import { createTestPki, type TestPki } from '../../agents/runtime/testing/fixtures.js';
import { createPostgresClient } from '../store/index.js';
import { TEST_SCOPE_POLICY } from '../testing/app.js';
import { freePort, publicFetch, readSse, spawnAgent } from '../testing/harness.js';
import type { ConversationEvent } from './contract.js';

// Two orchestrator processes on one PostgreSQL database (in a schema of their own): a conversation answered
// through replica A is followed live on replica B, and closing it on B stops the reply A is streaming. Nothing is
// shared between the replicas but the database (and, as in production, the signing keys and certificates).
const databaseUrl = process.env.TEST_DATABASE_URL;
const ORCHESTRATOR_MAIN = join(import.meta.dirname, '../main.ts');
const ECHO_MAIN = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');

describe.skipIf(!databaseUrl)('replicas on one PostgreSQL (TEST_DATABASE_URL)', () => {
  const schema = `test_replicas_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let pki: TestPki;
  let web: ReturnType<typeof publicFetch>;
  const children: ChildProcess[] = [];
  let a: string;
  let b: string;

  beforeAll(async () => {
    pki = await createTestPki();
    web = publicFetch((await pki.tls('orchestrator')).ca);
    const dataDir = await mkdtemp(join(tmpdir(), 'atende-replicas-'));
    const [portA, portB, agentPort] = await Promise.all([freePort(), freePort(), freePort()]);
    a = `https://localhost:${portA}`;
    b = `https://localhost:${portB}`;
    const replica = (port: number) =>
      spawnAgent({
        entry: ORCHESTRATOR_MAIN,
        readyPattern: /orchestrator listening/,
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          CERTS_DIR: pki.dir,
          DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl ?? '',
          DATABASE_SCHEMA: schema,
          AGENT_URLS: `https://localhost:${agentPort}`,
          SCOPE_POLICY: JSON.stringify(TEST_SCOPE_POLICY),
          DISCOVERY_INTERVAL_MS: '500',
          PUBLIC_URL: `https://localhost:${port}`,
        },
      });
    // A first, so B finds the signing keys A wrote (replicas share keys, as they must in production).
    children.push(await replica(portA));
    children.push(
      await spawnAgent({
        entry: ECHO_MAIN,
        env: {
          PORT: String(agentPort),
          PUBLIC_URL: `https://localhost:${agentPort}`,
          CERTS_DIR: pki.dir,
          ORCHESTRATOR_JWKS_URL: `${a}/.well-known/jwks.json`,
          ECHO_DELAY_MS: '20',
        },
      }),
    );
    children.push(await replica(portB));
    for (const base of [a, b]) {
      for (let i = 0; i < 100; i++) {
        const health = (await (await web.fetch(`${base}/healthz`)).json()) as {
          agents: Array<{ state: string }>;
        };
        if (health.agents[0]?.state === 'up') break;
        if (i === 99) throw new Error(`no agent up on ${base}: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 90_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await web?.close();
    const admin = await createPostgresClient({ connectionString: databaseUrl ?? '', maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
  });

  async function guest(base: string): Promise<string> {
    const response = await web.fetch(`${base}/api/auth/guest`, { method: 'POST' });
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  const post = (base: string, path: string, token: string, body?: unknown) =>
    web.fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Follows the conversation's events on `base` from `after`, until `until` says stop. */
  async function follow(
    base: string,
    token: string,
    conversationId: string,
    after: number,
    until: (event: ConversationEvent) => boolean,
  ): Promise<ConversationEvent[]> {
    const abort = new AbortController();
    const response = await web.fetch(`${base}/api/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': String(after) },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const seen: ConversationEvent[] = [];
    const timer = setTimeout(() => abort.abort(), 20_000);
    try {
      for await (const { data } of readEventStream(response.body as ReadableStream<Uint8Array>)) {
        const event = JSON.parse(data) as ConversationEvent;
        seen.push(event);
        if (until(event)) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    return seen;
  }

  it('follows live on replica B a reply answered through replica A', async () => {
    const token = await guest(a);
    const first = await readSse(
      await post(a, '/api/chat/messages', token, { text: 'repeat after me: hello', locale: 'en' }),
    );
    const conversationId = first[0]?.data.conversationId as string;
    expect(first.at(-1), JSON.stringify(first)).toMatchObject({ event: 'done' });
    // What B has stored so far (the first exchange), then the second one live as A answers it.
    const stored = await follow(
      b,
      token,
      conversationId,
      0,
      (e) => e.kind === 'status' && e.data.state === 'answered',
    );
    const last = stored.at(-1)?.id ?? 0;
    const live = follow(
      b,
      token,
      conversationId,
      last,
      (e) => e.kind === 'status' && e.data.state === 'answered',
    );
    await new Promise((r) => setTimeout(r, 200));
    const second = await readSse(
      await post(a, '/api/chat/messages', token, {
        conversationId,
        text: 'repeat after me: one two three four',
        locale: 'en',
      }),
    );
    expect(second.at(-1)?.event).toBe('done');
    const events = await live;
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => last + 1 + i));
    expect(events[0]).toMatchObject({
      kind: 'message',
      author: 'shopper',
      data: { text: 'repeat after me: one two three four' },
    });
    const text = events.flatMap((e) => (e.kind === 'delta' ? [e.data.text] : [])).join('');
    expect(text).toBe('repeat after me: one two three four');
    expect(events.at(-2)).toMatchObject({
      kind: 'message',
      data: { text: 'repeat after me: one two three four', status: 'answered' },
    });
  }, 60_000);

  it('stops on replica A the reply of a conversation closed on replica B', async () => {
    const token = await guest(a);
    const response = await post(a, '/api/chat/messages', token, {
      text: 'repeat after me and hang',
      locale: 'en',
    });
    const events: Array<{ event: string; data: any }> = [];
    const reading = (async () => {
      for await (const { event, data } of readEventStream(response.body as ReadableStream<Uint8Array>)) {
        events.push({ event, data: JSON.parse(data) });
        if (event === 'conversation') {
          const closed = await post(b, `/api/conversations/${JSON.parse(data).conversationId}/close`, token);
          expect(closed.status).toBe(200);
        }
      }
    })();
    await reading;
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_canceled' } });
  }, 60_000);
});
