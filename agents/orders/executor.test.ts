import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { createLogger, type ServiceTokenClaims } from '../runtime/index.js';
import { userMessage } from '../runtime/testing/fixtures.js';
import type { OrderConnector } from './connector.js';
import { createDemoConnector, DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID } from './demo-connector.js';
import { createOrdersExecutor } from './executor.js';

const NOW = new Date('2025-03-10T15:00:00Z');
const now = () => NOW;
const logger = createLogger({ name: 'orders-test', level: 'silent' });
const demo = createDemoConnector({ now });

function claims(sub: string, role: string): ServiceTokenClaims {
  return {
    iss: 'atende-orchestrator',
    aud: 'https://localhost:9103/a2a',
    sub,
    role,
    scope: 'orders:read',
    scopes: new Set(['orders:read']),
    skill: 'order-status',
    jti: randomUUID(),
    cid: randomUUID(),
    iat: 0,
    exp: 0,
  };
}

const message = (text: string, locale?: string) =>
  userMessage(text, { metadata: locale ? { locale } : undefined });

/** Runs the executor in-process for one message from `sub`, returning what it published. */
async function ask(options: {
  text: string;
  sub?: string;
  role?: string;
  locale?: string;
  connector?: OrderConnector;
}) {
  const { text, sub = DEMO_CUSTOMER_ID, role = 'customer', locale, connector = demo } = options;
  const state = new Map<string, unknown>([['claims', claims(sub, role)]]);
  const context = new RequestContext(
    {
      tenant: '',
      message: message(text, locale),
      configuration: undefined,
      metadata: { skill: 'order-status' },
    },
    randomUUID(),
    randomUUID(),
    new ServerCallContext({ state }),
  );
  const bus = new DefaultExecutionEventBus();
  const events: AgentExecutionEvent[] = [];
  bus.on('event', (e) => events.push(e));
  await createOrdersExecutor({ connector, logger, now }).execute(context, bus);
  const artifacts = events.flatMap((e) => (e.kind === 'artifactUpdate' ? [e.data] : []));
  const parts = artifacts.flatMap((a) => a.artifact?.parts ?? []);
  return {
    events,
    textChunks: artifacts.filter((a) => a.artifact?.artifactId === 'answer'),
    text: parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join(''),
    data: parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as any] : [])),
    last: events.at(-1),
  };
}

function expectCompleted(result: Awaited<ReturnType<typeof ask>>) {
  expect(result.events[0]?.kind).toBe('task');
  expect(result.last?.kind === 'statusUpdate' && result.last.data.status?.state).toBe(
    TaskState.TASK_STATE_COMPLETED,
  );
}

describe('orders executor', () => {
  it('streams a specific order of the caller in chunks of one artifact, then its data, then COMPLETED', async () => {
    const result = await ask({ text: 'Qual o status do pedido 1038?' });
    expectCompleted(result);
    expect(result.textChunks.length).toBeGreaterThan(1);
    expect(new Set(result.textChunks.map((c) => c.artifact?.artifactId))).toEqual(new Set(['answer']));
    expect(result.textChunks.map((c) => c.append)).toEqual([
      false,
      ...result.textChunks.slice(1).map(() => true),
    ]);
    expect(result.textChunks.at(-1)?.lastChunk).toBe(true);
    expect(result.text).toMatch(
      /O pedido #1038 foi enviado via Correios, código de rastreio QB104755210BR\./,
    );
    expect(result.text).toMatch(/Total: R\$ 299,90/);
    expect(result.data).toHaveLength(1);
    const { order } = result.data[0];
    expect(result.data[0].kind).toBe('order');
    expect(order).toMatchObject({
      number: '1038',
      status: 'shipped',
      statusLabel: 'Enviado',
      currency: 'BRL',
      total: 299.9,
      tracking: { carrier: 'Correios', code: 'QB104755210BR' },
      invoice: { number: '40402' },
    });
    expect(order.items[0]).toMatchObject({ name: 'Fone de ouvido Bluetooth JBL Tune 520BT', quantity: 1 });
    expect(order.customerId).toBeUndefined();
  });

  it('answers about another customer’s order number exactly as about one that does not exist', async () => {
    const theirs = await ask({ text: 'onde está meu pedido 1042' });
    const none = await ask({ text: 'onde está meu pedido 9999' });
    expectCompleted(theirs);
    expect(theirs.text).toBe(
      'Não encontrei esse pedido na sua conta. Confira o número ou peça "meus pedidos" para ver a lista.',
    );
    expect(theirs.text).toBe(none.text);
    expect(theirs.data).toEqual([]);
    expect(theirs.text).not.toMatch(/TV|Jadlog|1042/);
  });

  it('takes the customer from the token, never from the message text', async () => {
    const result = await ask({ text: `sou o cliente ${DEMO_PREMIUM_ID}, meus pedidos` });
    expect(result.data.length).toBeGreaterThan(0);
    const mine = (await demo.listOrders(DEMO_CUSTOMER_ID)).map((o) => o.number);
    expect(result.data.every((d) => mine.includes(d.order.number))).toBe(true);
  });

  it('answers "onde está meu pedido" with the latest order in transit, and "status" with the latest open one', async () => {
    const where = await ask({ text: 'Onde está meu pedido?' });
    expect(where.data.map((d) => d.order.number)).toEqual(['1038']);
    const status = await ask({ text: 'status' });
    expect(status.data.map((d) => d.order.number)).toEqual(['1049']);
    expect(status.text).toMatch(/aguardando o pagamento via Pix/);
    const bruno = await ask({
      text: 'where is my order?',
      sub: DEMO_PREMIUM_ID,
      role: 'premium',
      locale: 'en',
    });
    expect(bruno.data.map((d) => d.order.number)).toEqual(['1042']);
    expect(bruno.text).toMatch(/^Order #1042 has shipped with Jadlog, tracking code 10455042998877\./);
    expect(bruno.data[0].order.statusLabel).toBe('Shipped');
  });

  it('lists the latest orders, one data part each', async () => {
    const result = await ask({ text: 'meus pedidos' });
    expectCompleted(result);
    expect(result.text).toMatch(
      /^Você tem 10 pedidos; estes são os 5 mais recentes:\n- #1049 — Aguardando pagamento/,
    );
    expect(result.data.map((d) => d.order.number)).toEqual(['1049', '1047', '1045', '1043', '1038']);
  });

  it('describes every status in both languages', async () => {
    for (const order of [
      ...(await demo.listOrders(DEMO_CUSTOMER_ID)),
      ...(await demo.listOrders(DEMO_PREMIUM_ID)),
    ]) {
      const sub = order.customerId!;
      for (const locale of ['pt-BR', 'en']) {
        const result = await ask({ text: `pedido ${order.number}`, sub, locale });
        expect(result.text).toContain(`#${order.number}`);
        expect(result.text).not.toMatch(/undefined|NaN|Invalid/);
        expect(result.data[0].order.status).toBe(order.status);
      }
    }
  });

  it('tells a customer without orders so', async () => {
    const result = await ask({
      text: 'meus pedidos',
      sub: '00000000-0000-4000-8000-000000000003',
      role: 'operator',
    });
    expectCompleted(result);
    expect(result.text).toBe('Não encontrei pedidos na sua conta.');
    expect(result.data).toEqual([]);
  });

  it('asks a guest to sign in, in their language, with a sign_in_required part', async () => {
    const pt = await ask({ text: 'onde está meu pedido 1038', sub: `guest:${randomUUID()}`, role: 'guest' });
    expectCompleted(pt);
    expect(pt.text).toMatch(/entre na sua conta/);
    expect(pt.data).toEqual([{ kind: 'sign_in_required' }]);
    const en = await ask({
      text: 'where is my order',
      sub: `guest:${randomUUID()}`,
      role: 'guest',
      locale: 'en',
    });
    expect(en.text).toMatch(/sign in/);
    const mislabeled = await ask({ text: 'meus pedidos', sub: `guest:${randomUUID()}`, role: 'customer' });
    expect(mislabeled.data).toEqual([{ kind: 'sign_in_required' }]);
  });

  it('degrades, never fails, when the order system fails', async () => {
    const broken: OrderConnector = {
      listOrders: () => Promise.reject(new Error('connection refused')),
      getOrder: () => Promise.reject(new Error('connection refused')),
    };
    for (const text of ['onde está meu pedido?', 'pedido 1038']) {
      const result = await ask({ text, connector: broken });
      expectCompleted(result);
      expect(result.text).toMatch(/^Não consegui consultar seus pedidos agora/);
      expect(result.data).toEqual([{ kind: 'degraded', reason: 'orders_unavailable' }]);
    }
  });

  it('publishes CANCELED and nothing more when a task is canceled mid-lookup', async () => {
    let release: () => void = () => {};
    const slow: OrderConnector = {
      listOrders: (id) => new Promise((resolve) => (release = () => resolve(demo.listOrders(id)))),
      getOrder: demo.getOrder,
    };
    const executor = createOrdersExecutor({ connector: slow, logger, now });
    const state = new Map<string, unknown>([['claims', claims(DEMO_CUSTOMER_ID, 'customer')]]);
    const taskId = randomUUID();
    const contextId = randomUUID();
    const context = new RequestContext(
      { tenant: '', message: message('status'), configuration: undefined, metadata: undefined },
      taskId,
      contextId,
      new ServerCallContext({ state }),
    );
    const bus = new DefaultExecutionEventBus();
    const events: AgentExecutionEvent[] = [];
    bus.on('event', (e) => events.push(e));
    const running = executor.execute(context, bus);
    await new Promise((r) => setTimeout(r, 10));
    await executor.cancelTask(taskId, bus);
    release();
    await running;
    expect(events.map((e) => e.kind)).toEqual(['task', 'statusUpdate']);
    const last = events.at(-1);
    expect(last?.kind === 'statusUpdate' && last.data.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(last?.kind === 'statusUpdate' && last.data.contextId).toBe(contextId);
  });
});
