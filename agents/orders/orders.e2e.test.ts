import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/index.js';
import { serveAgent } from '../runtime/testing/served-agent.js';
import { createDemoConnector, DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID } from './demo-connector.js';
import { createOrdersExecutor } from './executor.js';

// The orders agent as it runs: its real card, on a real mTLS socket, called with the real SDK client and tokens
// minted like the orchestrator mints them.
let agent: Awaited<ReturnType<typeof serveAgent>>;

beforeAll(async () => {
  const logger = createLogger({ name: 'orders', level: 'silent' });
  agent = await serveAgent({
    cardName: 'orders',
    executor: createOrdersExecutor({ connector: createDemoConnector({ now: () => new Date() }), logger }),
  });
});

afterAll(async () => {
  await agent?.close();
});

const stream = (text: string, subject: string, role: string) =>
  agent.ask(text, { subject, role, skill: 'order-status', scopes: ['orders:read'] });

describe('orders agent end to end', () => {
  it('publishes its card with the order-status skill behind orders:read', async () => {
    const response = await agent.mesh.fetch(agent.rpcUrl.replace('/a2a', '/.well-known/agent-card.json'));
    const card = (await response.json()) as any;
    expect(card.supportedInterfaces[0].url).toBe(agent.rpcUrl);
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

  it('shows order 1042 to its owner: a short lead, the tracking on the card', async () => {
    const result = await stream('onde está meu pedido 1042', DEMO_PREMIUM_ID, 'premium');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toMatch(/^Seu pedido #1042 está a caminho e deve chegar em \d{2}\/\d{2}\.$/);
    expect(result.text).not.toMatch(/Jadlog|10455042998877|Samsung|R\$/);
    expect(result.data).toHaveLength(1);
    expect(result.data[0]).toMatchObject({
      kind: 'order',
      order: { number: '1042', status: 'shipped', currency: 'BRL', tracking: { carrier: 'Jadlog' } },
    });
  });

  it('asks which of several open orders, newest first, one card each', async () => {
    const result = await stream('onde está meu pedido?', DEMO_PREMIUM_ID, 'premium');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.text).toBe(
      'Você tem 7 pedidos em andamento: #1050 (aguardando pagamento), #1048 (aguardando pagamento), ' +
        '#1046 (pago), #1044 (em preparação), #1042 (a caminho) e mais 2. Qual deles?',
    );
    expect(result.data.map((d) => d.order.number)).toEqual(['1050', '1048', '1046', '1044', '1042']);
    expect(result.data.every((d) => d.kind === 'order')).toBe(true);
  });

  it('asks a guest to sign in', async () => {
    const result = await stream('onde está meu pedido?', `guest:${randomUUID()}`, 'guest');
    expect(result.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result.data).toEqual([{ kind: 'sign_in_required' }]);
  });
});
