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
import { createDemoCatalogue } from './catalogue.js';
import { createPromotionsExecutor } from './executor.js';

// The promotions agent as it runs: its real card, on a real mTLS socket, called with the real SDK client and
// tokens minted like the orchestrator mints them.
const ISSUER = 'atende-orchestrator';
const CARD_PATH = fileURLToPath(new URL('../../agent-cards/promotions.json', import.meta.url));
const CUSTOMER = '00000000-0000-4000-8000-000000000001';
const PREMIUM = '00000000-0000-4000-8000-000000000002';
let server: RunningServer;
let mesh: MtlsFetch;
let client: Client;
let minter: ServiceTokenMinter;
let rpcUrl: string;

beforeAll(async () => {
  const pki = await createTestPki();
  const keys = await createSigningKeys();
  minter = createServiceTokenMinter({ keys, issuer: ISSUER, ttlSec: 60 });
  const logger = createLogger({ name: 'promotions', level: 'silent' });
  const tls = await pki.tls('testagent');
  const now = () => new Date();
  const executor = createPromotionsExecutor({ catalogue: createDemoCatalogue({ now }), logger, now });
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
  const published = await mesh.fetch(`https://localhost:${port}/.well-known/agent-card.json`);
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: mesh.fetch })] });
  client = await factory.createFromAgentCard(AgentCard.fromJSON(await published.json()));
});

afterAll(async () => {
  await mesh?.close();
  await server?.close();
});

function token(subject: string, role: string, scopes: string[]) {
  return minter.mint({
    audience: rpcUrl,
    subject,
    role,
    skill: 'premium-offers',
    scopes,
    correlationId: randomUUID(),
  });
}

async function stream(authorization: string, locale = 'pt-BR') {
  const events = [];
  for await (const e of client.sendMessageStream(
    {
      tenant: '',
      message: userMessage('tem algum cupom de desconto?', { metadata: { locale, skill: 'premium-offers' } }),
      configuration: undefined,
      metadata: { skill: 'premium-offers' },
    },
    { serviceParameters: { Authorization: authorization } },
  )) {
    events.push(e);
  }
  const parts = events.flatMap((e) =>
    e.payload?.$case === 'artifactUpdate' ? (e.payload.value.artifact?.parts ?? []) : [],
  );
  const last = events.at(-1)?.payload;
  return {
    text: parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''),
    data: parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
    state: last?.$case === 'statusUpdate' ? last.value.status?.state : undefined,
  };
}

describe('promotions agent end to end', () => {
  it('publishes its card with the premium-offers skill behind promotions:read', async () => {
    const card = (await (
      await mesh.fetch(rpcUrl.replace('/a2a', '/.well-known/agent-card.json'))
    ).json()) as any;
    expect(card.skills[0].id).toBe('premium-offers');
    expect(card.skills[0].securityRequirements[0].schemes.serviceToken.list).toEqual(['promotions:read']);
  });

  it('refuses a customer token without promotions:read (HTTP 403)', async () => {
    const response = await mesh.fetch(rpcUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'A2A-Version': '1.0',
        authorization: `Bearer ${await token(CUSTOMER, 'customer', [])}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: {
          message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'tem cupom?' }] },
          metadata: { skill: 'premium-offers' },
        },
      }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(JSON.stringify(await response.json())).not.toMatch(/PREMIUM15|cupom /);
  });

  it('gives a premium token the current offers', async () => {
    const result = await stream(`Bearer ${await token(PREMIUM, 'premium', ['promotions:read'])}`);
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/^Você tem 4 ofertas exclusivas de cliente premium agora:/);
    expect(result.data.map((d) => d.offer.id)).toEqual([
      'premium-casa-50',
      'premium-15-eletronicos',
      'premium-pix-5',
      'premium-frete-gratis',
    ]);
    expect(result.data[1]).toMatchObject({ kind: 'offer', offer: { code: 'PREMIUM15' } });
  });

  it('rejects a token that carries the scope but the role customer', async () => {
    const result = await stream(`Bearer ${await token(CUSTOMER, 'customer', ['promotions:read'])}`);
    expect(result.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(result.data).toEqual([]);
    expect(result.text).toBe('');
  });
});
