import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts, loadTlsMaterial, SERVICES } from '../../certs/certs.js';
import type { Orchestrator } from '../server.js';
import {
  apiCaller,
  freePort,
  publicFetch,
  readEvents,
  readSse,
  spawnAgent,
  startTestOrchestrator,
} from '../testing/harness.js';

// The human desk on real sockets: the desk agent and the bots in their own processes, discovered from their cards,
// over mTLS; a shopper and operators through the orchestrator's public API only.
const AGENTS = ['assistant', 'sentiment', 'orders', 'desk'] as const;
const PASSWORD = 'desk-test-password';

let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
const children = new Map<string, ChildProcess>();
const ports = new Map<string, number>();
let certsDir: string;
let deskDataDir: string;

async function startAgent(name: string, env: Record<string, string> = {}) {
  const port = ports.get(name) as number;
  children.set(
    name,
    await spawnAgent({
      entry: join(import.meta.dirname, `../../agents/${name}/main.ts`),
      env: {
        PORT: String(port),
        PUBLIC_URL: `https://localhost:${port}`,
        CERTS_DIR: certsDir,
        ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
        ...(name === 'desk' ? { DATA_DIR: deskDataDir, DESK_PRESENCE_TTL_SEC: '600' } : {}),
        ...env,
      },
    }),
  );
}

async function stopAgent(name: string) {
  const child = children.get(name);
  if (!child) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  children.delete(name);
}

async function waitUntil(check: () => Promise<boolean> | boolean, what = 'condition') {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never met`);
}

async function health() {
  return (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as {
    agents: { name: string | null; state: string }[];
  };
}

async function tokenFor(email?: string): Promise<string> {
  if (!email) {
    return ((await (await web.fetch(`${orchestrator.url}/api/auth/guest`, { method: 'POST' })).json()) as any)
      .accessToken;
  }
  const response = await web.fetch(`${orchestrator.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as any).accessToken;
}

const api = (token: string, method: string, path: string, body?: unknown) =>
  apiCaller(web.fetch, () => orchestrator.url)(token, method, path, body);

async function say(token: string, text: string, conversationId?: string) {
  const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, locale: 'pt-BR', ...(conversationId ? { conversationId } : {}) }),
  });
  expect(response.status).toBe(200);
  return readSse(response);
}

/** Follows a conversation's events in the background, collecting them. */
function follow(token: string, conversationId: string) {
  const events: Array<{ kind: string; author: string; data: any }> = [];
  const stop = new AbortController();
  const done = web
    .fetch(`${orchestrator.url}/api/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: stop.signal,
    })
    .then((response) =>
      readEvents(response, (_event, data) => {
        events.push(data);
        return undefined;
      }),
    )
    .catch(() => undefined);
  return {
    events,
    handoffs: () => events.filter((e) => e.kind === 'handoff').map((e) => e.data),
    async close() {
      stop.abort();
      await done;
    },
  };
}

async function startConversation(shopper: string, text = 'quero falar com um atendente') {
  const events = await say(shopper, text);
  const conversationId = events[0]?.data.conversationId as string;
  expect(conversationId).toBeTruthy();
  return { conversationId, events };
}

beforeAll(async () => {
  certsDir = await mkdtemp(join(tmpdir(), 'atende-desk-e2e-'));
  deskDataDir = await mkdtemp(join(tmpdir(), 'atende-desk-data-'));
  await generateCerts({ dir: certsDir, services: [...SERVICES] });
  for (const name of AGENTS) ports.set(name, await freePort());
  orchestrator = await startTestOrchestrator({
    pki: { dir: certsDir } as never,
    port: await freePort(),
    agentUrls: AGENTS.map((a) => `https://localhost:${ports.get(a)}`),
    env: { DEMO_PASSWORD: PASSWORD },
  });
  web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
  await Promise.all(AGENTS.map((name) => startAgent(name)));
  await waitUntil(async () => (await health()).agents.every((a) => a.state === 'up'), 'every agent up');
}, 90_000);

afterAll(async () => {
  for (const child of children.values()) child.kill('SIGKILL');
  await web?.close();
  await orchestrator?.close();
});

describe('handing a conversation to a person', () => {
  it('queues a guest who asks for a person, and the operator’s claim, reply and resolve reach the shopper live', async () => {
    const operator = await tokenFor('operator@atende.dev');
    expect((await api(operator, 'PUT', '/api/desk/presence', { status: 'online' })).status).toBe(200);

    const shopper = await tokenFor();
    const { conversationId, events: first } = await startConversation(shopper);
    // Asked in so many words: no offer to confirm, the reply says a person is coming and ends.
    expect(first.at(-1)?.event).toBe('done');
    expect(
      first
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text)
        .join(''),
    ).toMatch(/pessoa/);
    const live = follow(shopper, conversationId);
    try {
      await waitUntil(() => live.handoffs().some((h) => h.state === 'queued'), 'queued');
      const queued = live.handoffs().find((h) => h.state === 'queued');
      expect(queued).toMatchObject({ reason: 'asked_for_human', position: 1 });
      expect(queued.estimatedWaitSec).toBeGreaterThanOrEqual(0);

      const waiting = await api(operator, 'GET', '/api/desk/conversations?state=waiting');
      expect(waiting.status).toBe(200);
      const listed = waiting.body.conversations.find((c: any) => c.conversationId === conversationId);
      expect(listed).toMatchObject({ state: 'queued', reason: 'asked_for_human', language: 'pt-BR' });
      // The request's own tone went with it.
      expect(listed.sentiment?.label).toEqual(expect.any(String));

      // An operator may now read the handed-off conversation's events, bot transcript included.
      const history = await api(operator, 'GET', `/api/conversations/${conversationId}/messages`);
      expect(history.status).toBe(200);
      expect(history.body.messages[0].text).toBe('quero falar com um atendente');

      const claim = await api(operator, 'POST', `/api/desk/conversations/${conversationId}/claim`);
      expect(claim.status).toBe(200);
      await waitUntil(() => live.handoffs().some((h) => h.state === 'assigned'), 'assigned');
      expect(live.handoffs().find((h) => h.state === 'assigned').operator.name).toBeTruthy();

      const reply = await api(operator, 'POST', `/api/desk/conversations/${conversationId}/messages`, {
        text: 'Olá! Sou da equipe, como posso ajudar?',
      });
      expect(reply.status).toBe(201);
      const note = await api(operator, 'POST', `/api/desk/conversations/${conversationId}/messages`, {
        text: 'cliente parece com pressa',
        internal: true,
      });
      expect(note.status).toBe(201);
      await waitUntil(
        () => live.events.some((e) => e.kind === 'message' && e.data.role === 'operator'),
        'operator message',
      );
      const said = live.events.filter((e) => e.kind === 'message' && e.data.role === 'operator');
      expect(said.map((e) => e.data.text)).toEqual(['Olá! Sou da equipe, como posso ajudar?']);
      expect(said[0]?.author).toBe('operator');

      // The shopper's answer goes to the person, not to the bots.
      const answer = await say(shopper, 'Meu pedido veio com defeito', conversationId);
      expect(answer.map((e) => e.event)).toEqual(['conversation', 'done']);
      await waitUntil(async () => {
        const got = await api(operator, 'GET', `/api/desk/conversations/${conversationId}`);
        return got.body.messages.some(
          (m: any) => m.author === 'shopper' && m.text === 'Meu pedido veio com defeito',
        );
      }, 'the shopper’s answer at the desk');
      const full = await api(operator, 'GET', `/api/desk/conversations/${conversationId}`);
      expect(full.body.notes.map((n: any) => n.text)).toEqual(['cliente parece com pressa']);
      expect(
        live.events.some((e) => e.kind === 'message' && e.data.text === 'cliente parece com pressa'),
      ).toBe(false);

      // Not rated before it is resolved; once after.
      expect(
        (await api(shopper, 'POST', `/api/conversations/${conversationId}/rating`, { score: 5 })).status,
      ).toBe(409);
      expect((await api(operator, 'POST', `/api/desk/conversations/${conversationId}/resolve`)).status).toBe(
        200,
      );
      await waitUntil(() => live.handoffs().some((h) => h.state === 'resolved'), 'resolved');
      const rated = await api(shopper, 'POST', `/api/conversations/${conversationId}/rating`, {
        score: 5,
        comment: 'Resolveram rápido',
      });
      expect(rated.status).toBe(201);
      const again = await api(shopper, 'POST', `/api/conversations/${conversationId}/rating`, { score: 1 });
      expect(again).toMatchObject({ status: 409, body: { code: 'already_rated' } });

      // After the person resolved it, the bots answer again.
      const back = await say(shopper, 'Qual o prazo de entrega?', conversationId);
      expect(back.some((e) => e.event === 'delta')).toBe(true);
    } finally {
      await live.close();
    }
  }, 60_000);

  it('offers a person after two unsure answers in a row, not after one', async () => {
    const shopper = await tokenFor();
    const { conversationId, events: first } = await startConversation(shopper, 'qual a capital da França?');
    const offers = (events: typeof first) =>
      events.filter((e) => e.event === 'annotation' && e.data.kind === 'handoff').map((e) => e.data.data);
    expect(offers(first)).toEqual([]);
    const second = await say(shopper, 'e a capital da Alemanha?', conversationId);
    expect(offers(second)).toEqual([{ reason: 'low_confidence' }]);
  }, 30_000);

  it('still reads the shopper’s tone while a person holds the conversation, and tells the desk', async () => {
    const operator = await tokenFor('operator@atende.dev');
    await api(operator, 'PUT', '/api/desk/presence', { status: 'online' });
    const shopper = await tokenFor();
    const { conversationId } = await startConversation(shopper, 'quero falar com uma pessoa');
    await waitUntil(async () => {
      const waiting = await api(operator, 'GET', '/api/desk/conversations?state=waiting');
      return waiting.body.conversations.some((c: any) => c.conversationId === conversationId);
    }, 'queued at the desk');
    const live = follow(operator, conversationId);
    try {
      const sent = await say(
        shopper,
        'Estou muito irritado, péssimo atendimento, ninguém responde!',
        conversationId,
      );
      expect(sent.map((e) => e.event)).toEqual(['conversation', 'done']);
      const messageId = sent[0]?.data.messageId;
      const toneOf = () =>
        live.events.find((e) => e.kind === 'annotation' && e.data.messageId === messageId)?.data;
      await waitUntil(() => toneOf() !== undefined, 'a sentiment annotation of the message');
      const tone = toneOf();
      expect(tone.annotation.data.label).toBe('negative');
      // The desk keeps the latest tone for the operators' list.
      await waitUntil(async () => {
        const waiting = await api(operator, 'GET', '/api/desk/conversations?state=waiting');
        const listed = waiting.body.conversations.find((c: any) => c.conversationId === conversationId);
        return listed?.sentiment?.label === 'negative';
      }, 'the tone at the desk');
      // No bot answered it.
      expect(
        live.events.some(
          (e) => e.kind === 'message' && e.data.role === 'agent' && e.data.replyTo === tone.messageId,
        ),
      ).toBe(false);
    } finally {
      await live.close();
      await api(operator, 'POST', `/api/desk/conversations/${conversationId}/claim`);
      await api(operator, 'POST', `/api/desk/conversations/${conversationId}/resolve`);
    }
  }, 30_000);

  it('lets one operator claim a conversation: the second claim gets 409', async () => {
    const operator = await tokenFor('operator@atende.dev');
    const admin = await tokenFor('admin@atende.dev');
    await api(operator, 'PUT', '/api/desk/presence', { status: 'online' });
    const shopper = await tokenFor();
    const { conversationId } = await startConversation(shopper, 'tem alguém aí?');
    await waitUntil(async () => {
      const waiting = await api(operator, 'GET', '/api/desk/conversations?state=waiting');
      return waiting.body.conversations.some((c: any) => c.conversationId === conversationId);
    }, 'queued at the desk');
    const claims = await Promise.all([
      api(operator, 'POST', `/api/desk/conversations/${conversationId}/claim`),
      api(admin, 'POST', `/api/desk/conversations/${conversationId}/claim`),
    ]);
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
    expect(claims.find((c) => c.status === 409)?.body.code).toBe('already_claimed');
    const winner = claims[0]?.status === 200 ? operator : admin;
    expect(
      (await api(winner, 'POST', `/api/desk/conversations/${conversationId}/return-to-bot`)).status,
    ).toBe(200);
  }, 30_000);

  it('refuses the desk’s routes to shoppers, and someone else’s conversation to a shopper', async () => {
    const shopper = await tokenFor();
    expect(await api(shopper, 'GET', '/api/desk/conversations?state=waiting')).toMatchObject({ status: 403 });
    expect(await api(shopper, 'PUT', '/api/desk/presence', { status: 'online' })).toMatchObject({
      status: 403,
    });
    const other = await tokenFor();
    const { conversationId } = await startConversation(other, 'Qual o prazo de entrega?');
    expect(await api(shopper, 'POST', `/api/conversations/${conversationId}/handoff`, {})).toMatchObject({
      status: 404,
    });
    // An operator reads only conversations handed to the desk.
    const operator = await tokenFor('operator@atende.dev');
    expect((await api(operator, 'GET', `/api/conversations/${conversationId}/messages`)).status).toBe(404);
  }, 30_000);

  it('counts messages for the team against the chat allowance: the eleventh in a minute gets 429', async () => {
    const shopper = await tokenFor('customer@atende.dev');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const left = await api(shopper, 'POST', '/api/desk/offline-messages', {
        email: 'ana@example.com',
        text: `mensagem ${i}`,
      });
      statuses.push(left.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  }, 30_000);

  it('hands over with the widget’s button, and the desk restarting while the shopper waits loses nothing', async () => {
    const operator = await tokenFor('operator@atende.dev');
    await api(operator, 'PUT', '/api/desk/presence', { status: 'online' });
    const shopper = await tokenFor();
    const { conversationId } = await startConversation(shopper, 'Qual o prazo de entrega?');
    const live = follow(shopper, conversationId);
    try {
      const asked = await api(shopper, 'POST', `/api/conversations/${conversationId}/handoff`, {
        reason: 'other',
      });
      expect(asked.status).toBe(202);
      await waitUntil(() => live.handoffs().some((h) => h.state === 'queued'), 'queued');
      // The topic is what the bots last answered about: the FAQ entry they cited.
      const waiting = await api(operator, 'GET', '/api/desk/conversations?state=waiting');
      const listed = waiting.body.conversations.find((c: any) => c.conversationId === conversationId);
      expect(listed).toMatchObject({ reason: 'other', topic: expect.stringMatching(/entrega/i) });

      await stopAgent('desk');
      await startAgent('desk');
      await waitUntil(
        async () => (await health()).agents.every((a) => a.state === 'up'),
        'the desk up again',
      );

      const claim = await api(operator, 'POST', `/api/desk/conversations/${conversationId}/claim`);
      expect(claim.status).toBe(200);
      await waitUntil(
        () => live.handoffs().some((h) => h.state === 'assigned'),
        'assigned after the restart',
      );
      await api(operator, 'POST', `/api/desk/conversations/${conversationId}/messages`, { text: 'Voltei!' });
      await waitUntil(
        () => live.events.some((e) => e.kind === 'message' && e.data.text === 'Voltei!'),
        'a message after the restart',
      );
      await api(operator, 'POST', `/api/desk/conversations/${conversationId}/resolve`);
      await waitUntil(() => live.handoffs().some((h) => h.state === 'resolved'), 'resolved');
    } finally {
      await live.close();
    }
  }, 60_000);

  it('offers a message for the team outside business hours, and stores it', async () => {
    await stopAgent('desk');
    // Closed every day but an impossible minute: always outside business hours.
    await startAgent('desk', { DESK_HOURS: 'sun 00:00-00:01' });
    try {
      await waitUntil(async () => (await health()).agents.every((a) => a.state === 'up'), 'the desk up');
      const shopper = await tokenFor();
      const { conversationId } = await startConversation(shopper);
      const live = follow(shopper, conversationId);
      try {
        await waitUntil(() => live.handoffs().some((h) => h.state === 'offline'), 'offline');
        expect(live.handoffs().find((h) => h.state === 'offline').offlineReason).toBe('closed');
      } finally {
        await live.close();
      }
      const bad = await api(shopper, 'POST', '/api/desk/offline-messages', { email: 'nope', text: 'oi' });
      expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
      const left = await api(shopper, 'POST', '/api/desk/offline-messages', {
        conversationId,
        email: 'cliente@example.com',
        text: 'Quero trocar o tamanho do tênis',
      });
      expect(left.status).toBe(201);
      const operator = await tokenFor('operator@atende.dev');
      const tickets = await api(operator, 'GET', '/api/desk/offline-messages');
      expect(tickets.body.tickets.map((t: any) => t.email)).toContain('cliente@example.com');
    } finally {
      await stopAgent('desk');
      await startAgent('desk');
    }
  }, 60_000);
});
