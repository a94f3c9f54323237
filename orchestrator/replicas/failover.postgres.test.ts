import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventStream } from '../../agents/runtime/index.js';
import { createTestPki, type TestPki } from '../../agents/runtime/testing/fixtures.js';
import { ApiError } from '../../web/src/widget/api.js';
import { followEvents } from '../../web/src/widget/follow.js';
import type { ConversationEvent } from '../chat/contract.js';
import { politeText } from '../chat/messages.js';
import { createPostgresClient } from '../store/index.js';
import { TEST_SCOPE_POLICY } from '../testing/app.js';
import { freePort, publicFetch, readSse, spawnAgent } from '../testing/harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// Failures of the parts, with real processes on real sockets: two orchestrator replicas on one PostgreSQL, an echo
// agent, and TCP proxies in front of what fails — PostgreSQL (for replica A) and the replicas themselves (a load
// balancer without stickiness: the first replica that accepts gets the connection).
//  - PostgreSQL cut off from A for a few seconds: A answers 503 `database_unavailable` with Retry-After, keeps what
//    was committed, and serves again by itself (its pool reconnects, its LISTEN connection listens again).
//  - A killed (SIGKILL) while streaming a reply: the widget's event stream (web/src/widget/follow.ts) reconnects
//    through the balancer to B with Last-Event-ID and reads the rest of the conversation from the log, no gap and
//    no duplicate; the reply A was running ends — B's sweep finds its lease free and ends it `failed` with the text
//    A had logged and an apology — instead of leaving the shopper waiting.
const databaseUrl = process.env.TEST_DATABASE_URL;
const ORCHESTRATOR_MAIN = join(import.meta.dirname, '../main.ts');
const ECHO_MAIN = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');

describe.skipIf(!databaseUrl)('failures of the parts, two replicas on PostgreSQL (TEST_DATABASE_URL)', () => {
  const schema = `test_failover_${Math.random().toString(36).slice(2, 10)}`;
  let pki: TestPki;
  let web: ReturnType<typeof publicFetch>;
  const children: ChildProcess[] = [];
  let replicaA: ChildProcess;
  let pgProxy: TcpProxy;
  let balancer: TcpProxy;
  let a: string;
  let b: string;
  let front: string;

  beforeAll(async () => {
    pki = await createTestPki();
    web = publicFetch((await pki.tls('orchestrator')).ca);
    const dataDir = await mkdtemp(join(tmpdir(), 'atende-failover-'));
    const [portA, portB, agentPort] = await Promise.all([freePort(), freePort(), freePort()]);
    a = `https://localhost:${portA}`;
    b = `https://localhost:${portB}`;
    const direct = new URL(databaseUrl ?? '');
    pgProxy = await startTcpProxy([{ host: direct.hostname, port: Number(direct.port || 5432) }]);
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(pgProxy.port);
    const replica = (port: number, database: string) =>
      spawnAgent({
        entry: ORCHESTRATOR_MAIN,
        readyPattern: /orchestrator listening/,
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          CERTS_DIR: pki.dir,
          // Shared, as replicas must share their token keys (A creates them, B reads them).
          DATA_DIR: dataDir,
          DATABASE_URL: database,
          DATABASE_SCHEMA: schema,
          AGENT_URLS: `https://localhost:${agentPort}`,
          SCOPE_POLICY: JSON.stringify(TEST_SCOPE_POLICY),
          DISCOVERY_INTERVAL_MS: '500',
          PUBLIC_URL: `https://localhost:${port}`,
          CHAT_MESSAGES_PER_MINUTE: '1000',
          REPLY_SWEEP_INTERVAL_MS: '250',
          REPLY_SWEEP_GRACE_MS: '1000',
        },
      });
    replicaA = await replica(portA, viaProxy.toString());
    children.push(replicaA);
    children.push(await replica(portB, direct.toString()));
    children.push(
      await spawnAgent({
        entry: ECHO_MAIN,
        env: {
          PORT: String(agentPort),
          PUBLIC_URL: `https://localhost:${agentPort}`,
          CERTS_DIR: pki.dir,
          // B outlives A here; the keys are the same.
          ORCHESTRATOR_JWKS_URL: `${b}/.well-known/jwks.json`,
          ECHO_DELAY_MS: '120',
        },
      }),
    );
    balancer = await startTcpProxy([{ port: portA }, { port: portB }]);
    front = `https://localhost:${balancer.port}`;
    for (const base of [a, b]) {
      for (let i = 0; i < 150; i++) {
        const health = (await (await web.fetch(`${base}/healthz`)).json()) as {
          agents: Array<{ state: string }>;
        };
        if (health.agents[0]?.state === 'up') break;
        if (i === 149) throw new Error(`no agent up on ${base}: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await balancer?.close();
    await pgProxy?.close();
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
  const get = (base: string, path: string, token: string) =>
    web.fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

  /** The widget's own follower (reconnects with the last id it has), over `base`, until `until` or `ms`. */
  function follow(base: string, token: string, conversationId: string, after: number) {
    const abort = new AbortController();
    let connects = 0;
    const seen: ConversationEvent[] = [];
    const reading = (async () => {
      for await (const event of followEvents({
        after,
        signal: abort.signal,
        firstRetryMs: 100,
        maxRetryMs: 500,
        connect: async (last, signal) => {
          connects += 1;
          const response = await web.fetch(`${base}/api/conversations/${conversationId}/events`, {
            headers: { authorization: `Bearer ${token}`, 'last-event-id': String(last) },
            signal,
          });
          if (response.status !== 200 || !response.body) {
            const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
            throw new ApiError(response.status, body.code ?? 'http_error', body.message ?? '');
          }
          return response.body as ReadableStream<Uint8Array>;
        },
      })) {
        seen.push(event);
      }
    })();
    return {
      seen,
      connects: () => connects,
      async until(check: (event: ConversationEvent) => boolean, ms = 30_000) {
        const deadline = Date.now() + ms;
        while (!seen.some(check)) {
          if (Date.now() > deadline)
            throw new Error(`timed out; seen ${JSON.stringify(seen.map((e) => e.kind))}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      async stop() {
        abort.abort();
        await reading.catch(() => undefined);
      },
    };
  }

  it('answers 503 with Retry-After while PostgreSQL is unreachable, loses nothing, and resumes by itself', async () => {
    const token = await guest(a);
    const first = await readSse(
      await post(a, '/api/chat/messages', token, { text: 'repeat after me: kept safe', locale: 'en' }),
    );
    expect(first.at(-1)?.event).toBe('done');
    const conversationId = first[0]?.data.conversationId as string;

    await pgProxy.cut();
    const cutAt = Date.now();
    for (const response of [
      await get(a, `/api/conversations/${conversationId}/messages`, token),
      await post(a, '/api/chat/messages', token, {
        conversationId,
        text: 'repeat after me: lost?',
        locale: 'en',
      }),
      await get(a, `/api/conversations/${conversationId}/events`, token),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ code: 'database_unavailable' });
    }
    // B, on its own connection, is unaffected.
    expect((await get(b, `/api/conversations/${conversationId}/messages`, token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, 3_000 - (Date.now() - cutAt))));
    await pgProxy.restore();

    // A serves again by itself, with everything committed before the cut.
    let messages: Array<{ author: string; text: string; status: string }> = [];
    for (let i = 0; ; i++) {
      const response = await get(a, `/api/conversations/${conversationId}/messages`, token);
      if (response.status === 200) {
        messages = ((await response.json()) as { messages: typeof messages }).messages;
        break;
      }
      expect(response.status).toBe(503);
      if (i === 100) throw new Error('A did not recover');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages.map((m) => [m.author, m.text, m.status])).toEqual([
      ['shopper', 'repeat after me: kept safe', 'answered'],
      ['agent', 'repeat after me: kept safe', 'answered'],
    ]);

    // A follows live again what B writes: its LISTEN connection listens again (or its resync reads it).
    const stored = follow(a, token, conversationId, 0);
    await stored.until((e) => e.kind === 'status' && e.data.state === 'answered');
    await stored.stop();
    const last = stored.seen.at(-1)?.id ?? 0;
    expect(last).toBeGreaterThan(0);
    const live = follow(a, token, conversationId, last);
    await new Promise((r) => setTimeout(r, 300));
    const second = await readSse(
      await post(b, '/api/chat/messages', token, {
        conversationId,
        text: 'repeat after me: again',
        locale: 'en',
      }),
    );
    expect(second.at(-1)?.event).toBe('done');
    await live.until((e) => e.kind === 'status' && e.data.state === 'answered');
    await live.stop();
    expect(live.seen.map((e) => e.id)).toEqual(live.seen.map((_, i) => last + 1 + i));
    expect(live.seen[0]).toMatchObject({ kind: 'message', data: { text: 'repeat after me: again' } });
  }, 90_000);

  it('ends on replica B, with no gap and no duplicate, the reply of replica A killed mid-stream', async () => {
    const token = await guest(front);
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const text = `repeat after me: ${words}`;
    const response = await post(front, '/api/chat/messages', token, { text, locale: 'en' });
    expect(response.status).toBe(200);
    let conversationReady: (id: string) => void = () => undefined;
    const conversationKnown = new Promise<string>((resolve) => {
      conversationReady = resolve;
    });
    // The reply's own stream (on A): its first event names the conversation; it dies with A.
    const posted = (async () => {
      const events: string[] = [];
      try {
        for await (const { event, data } of readEventStream(response.body as ReadableStream<Uint8Array>)) {
          events.push(event);
          if (event === 'conversation') conversationReady(JSON.parse(data).conversationId);
        }
      } catch {
        events.push('(connection lost)');
      }
      return events;
    })();
    const conversationId = await conversationKnown;

    const widget = follow(front, token, conversationId, 0);
    // Some of the reply has been shown through A…
    await widget.until(
      (e) => widget.seen.filter((x) => x.kind === 'delta').length >= 3 && e.kind === 'delta',
    );
    const replyId = widget.seen.find((e) => e.kind === 'delta')?.data.messageId as string;
    replicaA.kill('SIGKILL');
    const killedAt = Date.now();
    const connectsBefore = widget.connects();

    // …and the rest comes through B: the reply ends (never hangs).
    await widget.until(
      (e) =>
        e.kind === 'status' &&
        'messageId' in e.data &&
        e.data.messageId === replyId &&
        e.data.state !== 'reply_started',
      20_000,
    );
    const endedAfterMs = Date.now() - killedAt;
    await widget.stop();
    expect(widget.connects()).toBeGreaterThan(connectsBefore);
    expect(await posted).toContain('(connection lost)');

    const events = widget.seen;
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const reply = events.filter((e) => 'messageId' in e.data && e.data.messageId === replyId);
    const said = reply
      .filter((e) => e.kind === 'delta' && e.data.agent !== 'orchestrator')
      .map((e) => (e.kind === 'delta' ? e.data.text : ''))
      .join('');
    expect(said.length).toBeGreaterThan(0);
    expect(text.startsWith(said)).toBe(true);
    expect(said.length).toBeLessThan(text.length);
    const apology = politeText('failed', 'en');
    expect(reply.slice(-3).map((e) => [e.kind, e.author])).toEqual([
      ['delta', 'orchestrator'],
      ['message', 'orchestrator'],
      ['status', 'system'],
    ]);
    expect(reply.at(-2)?.data).toMatchObject({
      status: 'failed',
      errorCode: 'agent_failed',
      text: said + apology,
    });
    expect(reply.at(-1)?.data).toMatchObject({ state: 'failed', code: 'agent_failed' });
    // Well within the widget's patience: the sweep runs every 250 ms here (5 s by default).
    expect(endedAfterMs).toBeLessThan(15_000);

    // B serves the conversation whole, and the shopper can ask again there.
    const history = (await (
      await get(front, `/api/conversations/${conversationId}/messages`, token)
    ).json()) as {
      messages: Array<{ author: string; status: string }>;
    };
    expect(history.messages.map((m) => [m.author, m.status])).toEqual([
      ['shopper', 'received'],
      ['agent', 'failed'],
    ]);
    const again = await readSse(
      await post(front, '/api/chat/messages', token, {
        conversationId,
        text: 'repeat after me: hi',
        locale: 'en',
      }),
    );
    expect(again.at(-1)?.event).toBe('done');
  }, 90_000);
});
