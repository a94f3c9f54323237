import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/index.js';
import { serveAgent } from '../runtime/testing/served-agent.js';
import { createDemoCatalogue } from './catalogue.js';
import { createPromotionsExecutor } from './executor.js';

// The promotions agent as it runs: its real card, on a real mTLS socket, called with the real SDK client and
// tokens minted like the orchestrator mints them.
const CUSTOMER = '00000000-0000-4000-8000-000000000001';
const PREMIUM = '00000000-0000-4000-8000-000000000002';
let agent: Awaited<ReturnType<typeof serveAgent>>;

beforeAll(async () => {
  const logger = createLogger({ name: 'promotions', level: 'silent' });
  const now = () => new Date();
  agent = await serveAgent({
    cardName: 'promotions',
    executor: createPromotionsExecutor({ catalogue: createDemoCatalogue({ now }), logger, now }),
  });
});

afterAll(async () => {
  await agent?.close();
});

const token = (subject: string, role: string, scopes: string[]) =>
  agent.token({ subject, role, skill: 'premium-offers', scopes });

const stream = (authorization: string, locale = 'pt-BR') =>
  agent.ask(
    'tem algum cupom de desconto?',
    { subject: '', role: '', skill: 'premium-offers', scopes: [], locale },
    authorization,
  );

describe('promotions agent end to end', () => {
  it('publishes its card with the premium-offers skill behind promotions:read', async () => {
    const card = (await (
      await agent.mesh.fetch(agent.rpcUrl.replace('/a2a', '/.well-known/agent-card.json'))
    ).json()) as any;
    expect(card.skills[0].id).toBe('premium-offers');
    expect(card.skills[0].securityRequirements[0].schemes.serviceToken.list).toEqual(['promotions:read']);
  });

  it('refuses a customer token without promotions:read (HTTP 403)', async () => {
    const response = await agent.mesh.fetch(agent.rpcUrl, {
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
    expect(result.text).toMatch(/^Separei 4 ofertas exclusivas de cliente premium para você\./);
    expect(result.text).not.toMatch(/PREMIUM15|15% off em eletrônicos/);
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
