import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCerts, loadTlsMaterial, SERVICES } from '../../certs/certs.js';
import type { Orchestrator } from '../server.js';
import {
  freePort,
  publicFetch,
  readSse,
  type SseEvent,
  spawnAgent,
  startTestOrchestrator,
} from '../testing/harness.js';

// The whole mesh on real sockets: every agent in its own process, discovered from its card, over mTLS.
const AGENTS = ['assistant', 'sentiment', 'orders', 'promotions'] as const;
// A test agent the orchestrator's code has never heard of: it joins by its card alone.
const NEWCOMER = 'testagent';
const NEWCOMER_MAIN = join(import.meta.dirname, '../../agents/runtime/testing/echo-agent/main.ts');
const PASSWORD = 'mesh-test-password';

let orchestrator: Orchestrator;
let web: ReturnType<typeof publicFetch>;
const children = new Map<string, ChildProcess>();
const ports = new Map<string, number>();
let certsDir: string;

async function startAgent(name: string) {
  const port = ports.get(name) as number;
  children.set(
    name,
    await spawnAgent({
      entry: name === NEWCOMER ? NEWCOMER_MAIN : join(import.meta.dirname, `../../agents/${name}/main.ts`),
      env: {
        PORT: String(port),
        PUBLIC_URL: `https://localhost:${port}`,
        CERTS_DIR: certsDir,
        ORCHESTRATOR_JWKS_URL: `${orchestrator.url}/.well-known/jwks.json`,
      },
    }),
  );
}

async function health() {
  return (await (await web.fetch(`${orchestrator.url}/healthz`)).json()) as {
    agents: { name: string | null; state: string }[];
  };
}

async function waitUntil(check: () => Promise<boolean>) {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition never met');
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

async function ask(token: string, text: string, extra: Record<string, unknown> = {}): Promise<SseEvent[]> {
  const response = await web.fetch(`${orchestrator.url}/api/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text, locale: 'pt-BR', ...extra }),
  });
  expect(response.status).toBe(200);
  return readSse(response);
}

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => e.data.text)
    .join('');
const annotations = (events: SseEvent[], kind: string) =>
  events.filter((e) => e.event === 'annotation' && e.data.kind === kind).map((e) => e.data.data);

beforeAll(async () => {
  certsDir = await mkdtemp(join(tmpdir(), 'atende-mesh-'));
  await generateCerts({ dir: certsDir, services: [...SERVICES, NEWCOMER] });
  for (const name of [...AGENTS, NEWCOMER]) ports.set(name, await freePort());
  orchestrator = await startTestOrchestrator({
    pki: { dir: certsDir } as never,
    port: await freePort(),
    agentUrls: [...AGENTS, NEWCOMER].map((a) => `https://localhost:${ports.get(a)}`),
    env: { DEMO_PASSWORD: PASSWORD },
  });
  web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
  await Promise.all([...AGENTS, NEWCOMER].map(startAgent));
  await waitUntil(async () => (await health()).agents.every((a) => a.state === 'up'));
}, 60_000);

afterAll(async () => {
  for (const child of children.values()) child.kill('SIGKILL');
  await web?.close();
  await orchestrator?.close();
});

describe('the seed’s agents, routed by their cards', () => {
  it('runs sentiment on every message and still answers the question', async () => {
    const events = await ask(await tokenFor(), 'Qual o prazo de entrega?');
    expect(annotations(events, 'sentiment')[0]).toMatchObject({
      kind: 'sentiment',
      label: expect.any(String),
    });
    expect(annotations(events, 'citations')[0].map((c: any) => c.id)).toContain('delivery-time');
    expect(events.at(-1)?.event).toBe('done');
  });

  it('hears an upset shopper: negative sentiment, and the answer opens with empathy', async () => {
    const events = await ask(
      await tokenFor(),
      'Estou muito irritado, péssimo atendimento! Qual o prazo de entrega?',
    );
    expect(annotations(events, 'sentiment')[0].label).toBe('negative');
    expect(textOf(events)).toMatch(/^(Sinto muito|Lamento|Entendo|Desculpe)/);
  });

  it('gives a premium shopper coupons, and not a customer', async () => {
    const premium = await ask(await tokenFor('premium@atende.dev'), 'Tem algum cupom de desconto para mim?');
    expect(annotations(premium, 'offer').length).toBeGreaterThan(0);
    const customer = await ask(
      await tokenFor('customer@atende.dev'),
      'Tem algum cupom de desconto para mim?',
    );
    expect(annotations(customer, 'offer')).toHaveLength(0);
    expect(annotations(customer, 'not_available')).toHaveLength(1);
  });

  it('shows a customer their own order, never another shopper’s, even when the message names it', async () => {
    const token = await tokenFor('customer@atende.dev');
    const mine = await ask(token, 'onde está meu pedido?');
    const orders = annotations(mine, 'order');
    expect(orders.length).toBeGreaterThan(0);
    // The order card is kept with the reply, so a reloaded chat shows it again.
    const history = await web.fetch(
      `${orchestrator.url}/api/conversations/${mine[0]?.data.conversationId}/messages`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const { messages } = (await history.json()) as any;
    expect(messages[1].annotations.filter((a: any) => a.kind === 'order')).toHaveLength(orders.length);
    const theirs = await ask(await tokenFor('customer@atende.dev'), 'onde está meu pedido 1042?');
    expect(annotations(theirs, 'order')).toHaveLength(0);
    expect(JSON.stringify(theirs)).not.toMatch(/Jadlog|10455042998877/);
    expect(textOf(theirs)).toMatch(/não encontrei/i);
  });

  it('answers a message that asks two things with two agents in parallel, merged into one reply', async () => {
    const question = 'Onde está meu pedido? E tem algum cupom de desconto?';
    const premium = await ask(await tokenFor('premium@atende.dev'), question);
    expect(premium.at(-1)?.event).toBe('done');
    expect(annotations(premium, 'offer').length).toBeGreaterThan(0);
    expect(annotations(premium, 'order').length).toBeGreaterThan(0);
    // Text deltas in order: all of the first agent's text, then the second's, never interleaved.
    const agents = premium.filter((e) => e.event === 'delta').map((e) => e.data.agent);
    const firstAgent = agents[0];
    const switchAt = agents.findIndex((a) => a !== firstAgent);
    expect(switchAt).toBeGreaterThan(0);
    expect(agents.slice(switchAt).every((a) => a === agents[switchAt])).toBe(true);
    expect(textOf(premium)).toMatch(/\n\n/);

    // A customer may see orders but not premium offers: the order part is answered, the offers part refused.
    const customer = await ask(await tokenFor('customer@atende.dev'), question);
    expect(customer.at(-1)?.event).toBe('done');
    expect(annotations(customer, 'order').length).toBeGreaterThan(0);
    expect(annotations(customer, 'offer')).toHaveLength(0);
    expect(annotations(customer, 'not_available')).toHaveLength(1);
    expect(textOf(customer)).toMatch(/não está disponível para a sua conta/);
  });

  it('routes to a new agent by the examples on its card, with no orchestrator change', async () => {
    const events = await ask(await tokenFor(), 'repeat after me: olá malha');
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.every((e) => e.data.agent === 'Test Agent')).toBe(true);
    expect(textOf(events)).toBe('repeat after me: olá malha');
    const faq = await ask(await tokenFor(), 'Qual o prazo de entrega?');
    expect(faq.filter((e) => e.event === 'delta').every((e) => e.data.agent === 'Atende Assistant')).toBe(
      true,
    );
  });

  it('asks a guest to sign in for orders', async () => {
    const events = await ask(await tokenFor(), 'onde está meu pedido?');
    expect(annotations(events, 'sign_in_required')).toHaveLength(1);
  });

  it('degrades when an agent stops mid-conversation, and says so', async () => {
    const token = await tokenFor('customer@atende.dev');
    const first = await ask(token, 'onde está meu pedido?');
    const conversationId = first[0]?.data.conversationId;
    children.get('orders')?.kill('SIGKILL');
    const second = await ask(token, 'onde está meu pedido?', { conversationId });
    expect(second.at(-1)?.event).toBe('error');
    expect(textOf(second)).toMatch(/Desculpe/);
    // Sentiment still ran; the conversation goes on with the other agents.
    expect(annotations(second, 'sentiment')).toHaveLength(1);
    // Once the orchestrator knows the agent is down, an order question is still told so, never quietly answered
    // by another agent.
    await waitUntil(async () =>
      (await health()).agents.some((a) => a.name === 'Atende Orders' && a.state === 'down'),
    );
    const known = await ask(token, 'Meu pedido já foi enviado?', { conversationId });
    expect(known.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_unavailable' } });
    expect(textOf(known)).toMatch(/não consegui consultar/);
    expect(known.filter((e) => e.event === 'delta').every((e) => e.data.agent === 'orchestrator')).toBe(true);
    const third = await ask(token, 'Qual o prazo de entrega?', { conversationId });
    expect(third.at(-1)?.event).toBe('done');
    await startAgent('orders');
  });

  it('keeps answering when the sentiment agent is down', async () => {
    children.get('sentiment')?.kill('SIGKILL');
    const events = await ask(await tokenFor(), 'Como faço para trocar um produto?');
    expect(events.at(-1)?.event).toBe('done');
    expect(textOf(events).length).toBeGreaterThan(20);
    await startAgent('sentiment');
  });
});
