import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AgentCard, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceTokenMinter, type ServiceTokenMinter } from '../../orchestrator/mesh/service-tokens.js';
import { createSigningKeys } from '../../orchestrator/mesh/signing-keys.js';
import {
  createAgentApp,
  createLogger,
  createMtlsFetch,
  createTokenVerifier,
  loadAgentCard,
  type MtlsFetch,
  type RunningServer,
  startAgentServer,
} from '../runtime/index.js';
import { createTestPki, userMessage } from '../runtime/testing/fixtures.js';
import { createDemoConnector, DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID } from './demo-connector.js';
import { createOrdersExecutor } from './executor.js';

// The orders agent as it runs: its real card, on a real mTLS socket, called with the real SDK client and tokens
// minted like the orchestrator mints them.
const ISSUER = 'atende-orchestrator';
const CARD_PATH = fileURLToPath(new URL('../../agent-cards/orders.json', import.meta.url));
let server: RunningServer;
let mesh: MtlsFetch;
let client: Client;
let minter: ServiceTokenMinter;
let rpcUrl: string;

beforeAll(async () => {
  const pki = await createTestPki();
  const keys = await createSigningKeys();
  minter = createServiceTokenMinter({ keys, issuer: ISSUER, ttlSec: 60 });
  const logger = createLogger({ name: 'orders', level: 'silent' });
  const tls = await pki.tls('testagent');
  const executor = createOrdersExecutor({
    connector: createDemoConnector({ now: () => new Date() }),
    logger,
  });
  const build = (card: AgentCard, audience: string) =>
    createAgentApp({
      card,
      executor,
      logger,
      verifier: createTokenVerifier({ keys: createLocalJWKSet(keys.jwks), issuer: ISSUER, audience }),
    });
  // Port 0 first to learn a free port, then the card and the audience name it.
  const probeCard = await loadAgentCard({ path: CARD_PATH, interfaceUrl: 'https://localhost:1/a2a' });
  const probe = await startAgentServer({ app: build(probeCard, 'x'), tls, port: 0, host: '127.0.0.1' });
  const port = probe.port;
  await probe.close();
  rpcUrl = `https://localhost:${port}/a2a`;
  const card = await loadAgentCard({ path: CARD_PATH, interfaceUrl: rpcUrl });
  server = await startAgentServer({ app: build(card, rpcUrl), tls, port, host: '127.0.0.1' });
  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: mesh.fetch })] });
  const published = await mesh.fetch(`https://localhost:${port}/.well-known/agent-card.json`);
  client = await factory.createFromAgentCard(AgentCard.fromJSON(await published.json()));
});

afterAll(async () => {
  await mesh?.close();
  await server?.close();
});

async function stream(text: string, subject: string, role: string) {
  const token = await minter.mint({
    audience: rpcUrl,
    subject,
    role,
    skill: 'order-status',
    scopes: ['orders:read'],
    correlationId: randomUUID(),
  });
  const events = [];
  for await (const e of client.sendMessageStream(
    {
      tenant: '',
      message: userMessage(text, { metadata: { locale: 'pt-BR', skill: 'order-status' } }),
      configuration: undefined,
      metadata: { skill: 'order-status' },
    },
    { serviceParameters: { Authorization: `Bearer ${token}` } },
  )) {
    events.push(e);
  }
  const parts = events.flatMap((e) =>
    e.payload?.$case === 'artifactUpdate' ? (e.payload.value.artifact?.parts ?? []) : [],
  );
  const last = events.at(-1)?.payload;
  return {
    raw: JSON.stringify(events),
    text: parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''),
    data: parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
    state: last?.$case === 'statusUpdate' ? last.value.status?.state : undefined,
  };
}

describe('orders agent end to end', () => {
  it('publishes its card with the order-status skill behind orders:read', async () => {
    const response = await mesh.fetch(rpcUrl.replace('/a2a', '/.well-known/agent-card.json'));
    const card = (await response.json()) as any;
    expect(card.supportedInterfaces[0].url).toBe(rpcUrl);
    expect(card.skills[0].id).toBe('order-status');
    expect(card.skills[0].securityRequirements[0].schemes.serviceToken.list).toEqual(['orders:read']);
  });

  it('tells a customer asking about another customer’s order 1042 nothing about it', async () => {
    const result = await stream('onde está meu pedido 1042', DEMO_CUSTOMER_ID, 'customer');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/^Não encontrei esse pedido na sua conta/);
    expect(result.data).toEqual([]);
    expect(result.raw).not.toMatch(/Jadlog|10455042998877|Samsung|2548|shipped/);
  });

  it('shows order 1042 to its owner, with tracking', async () => {
    const result = await stream('onde está meu pedido 1042', DEMO_PREMIUM_ID, 'premium');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/^O pedido #1042 foi enviado via Jadlog, código de rastreio 10455042998877/);
    expect(result.data).toHaveLength(1);
    expect(result.data[0]).toMatchObject({
      kind: 'order',
      order: { number: '1042', status: 'shipped', currency: 'BRL', tracking: { carrier: 'Jadlog' } },
    });
  });

  it('asks a guest to sign in', async () => {
    const result = await stream('onde está meu pedido?', `guest:${randomUUID()}`, 'guest');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.data).toEqual([{ kind: 'sign_in_required' }]);
  });
});
