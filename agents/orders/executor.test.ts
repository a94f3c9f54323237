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

/** The demo orders of either demo customer, keeping only `numbers`. */
function keeping(numbers: string[]): OrderConnector {
  return {
    listOrders: async (id) => (await demo.listOrders(id)).filter((o) => numbers.includes(o.number)),
    getOrder: async (id, n) => (numbers.includes(n) ? demo.getOrder(id, n) : null),
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
  it('streams its answer in chunks of one artifact, then the cards, then COMPLETED', async () => {
    const result = await ask({ text: 'Onde está meu pedido?' });
    expectCompleted(result);
    expect(result.textChunks.length).toBeGreaterThan(1);
    expect(new Set(result.textChunks.map((c) => c.artifact?.artifactId))).toEqual(new Set(['answer']));
    expect(result.textChunks.map((c) => c.append)).toEqual([
      false,
      ...result.textChunks.slice(1).map(() => true),
    ]);
    expect(result.textChunks.at(-1)?.lastChunk).toBe(true);
    expect(result.data.every((d) => d.kind === 'order')).toBe(true);
  });

  it('leads a specific order with its status and arrival, leaving the details to the card', async () => {
    const result = await ask({ text: 'Qual o status do pedido 1038?' });
    expectCompleted(result);
    expect(result.text).toBe('Seu pedido #1038 está a caminho e deve chegar em 13/03.');
    expect(result.text).not.toMatch(/QB104755210BR|Correios|JBL|R\$|40402|Total/);
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

  it('asks which one, newest first with one card each, when several orders are open', async () => {
    const where = await ask({ text: 'Onde está meu pedido?' });
    expect(where.text).toBe(
      'Você tem 7 pedidos em andamento: #1049 (aguardando pagamento), #1047 (aguardando pagamento), ' +
        '#1045 (pago), #1043 (em preparação), #1038 (a caminho) e mais 2. Qual deles?',
    );
    expect(where.data.map((d) => d.order.number)).toEqual(['1049', '1047', '1045', '1043', '1038']);
    const placed = where.data.map((d) => Date.parse(d.order.placedAt));
    expect(placed).toEqual([...placed].sort((a, b) => b - a));
    const status = await ask({ text: 'status' });
    expect(status.data.map((d) => d.order.number)).toEqual(['1049', '1047', '1045', '1043', '1038']);
    const bruno = await ask({
      text: 'where is my order?',
      sub: DEMO_PREMIUM_ID,
      role: 'premium',
      locale: 'en',
    });
    expect(bruno.text).toBe(
      'You have 7 orders in progress: #1050 (awaiting payment), #1048 (awaiting payment), #1046 (paid), ' +
        '#1044 (being prepared), #1042 (on its way) and 2 more. Which one?',
    );
    expect(bruno.data.map((d) => d.order.number)).toEqual(['1050', '1048', '1046', '1044', '1042']);
    expect(bruno.data[4].order.statusLabel).toBe('Shipped');
  });

  it('lists every open order when there are few, and names none of their details', async () => {
    const result = await ask({
      text: 'cadê minha compra?',
      connector: keeping(['1049', '1047', '1045', '1021']),
    });
    expect(result.text).toBe(
      'Você tem 3 pedidos em andamento: #1049 (aguardando pagamento), #1047 (aguardando pagamento), ' +
        '#1045 (pago). Qual deles?',
    );
    expect(result.data.map((d) => d.order.number)).toEqual(['1049', '1047', '1045']);
    for (const { order } of result.data) {
      for (const item of order.items) expect(result.text).not.toContain(item.name);
    }
    expect(result.text).not.toMatch(/R\$/);
  });

  it('answers with the one open order when there is only one', async () => {
    const result = await ask({ text: 'onde está meu pedido?', connector: keeping(['1034', '1021', '1015']) });
    expect(result.text).toBe('Seu pedido #1034 saiu para entrega e chega hoje.');
    expect(result.data.map((d) => d.order.number)).toEqual(['1034']);
  });

  it('leads with the latest order when none is open', async () => {
    const result = await ask({ text: 'onde está meu pedido?', connector: keeping(['1021', '1015']) });
    expect(result.text).toBe('Você não tem pedidos em andamento. Seu pedido #1021 foi entregue em 11/02.');
    expect(result.data.map((d) => d.order.number)).toEqual(['1021']);
  });

  it('lists the latest orders, one card each, without repeating them in the text', async () => {
    const result = await ask({ text: 'meus pedidos' });
    expectCompleted(result);
    expect(result.text).toBe(
      'Você tem 10 pedidos; estes são os 5 mais recentes. Quer saber mais de algum? Pergunte pelo número, ' +
        'por exemplo "pedido 1049".',
    );
    expect(result.data.map((d) => d.order.number)).toEqual(['1049', '1047', '1045', '1043', '1038']);
  });

  it('describes every status in both languages without repeating the card', async () => {
    for (const order of [
      ...(await demo.listOrders(DEMO_CUSTOMER_ID)),
      ...(await demo.listOrders(DEMO_PREMIUM_ID)),
    ]) {
      const sub = order.customerId!;
      for (const locale of ['pt-BR', 'en']) {
        const result = await ask({ text: `pedido ${order.number}`, sub, locale });
        expect(result.text).toContain(`#${order.number}`);
        expect(result.text).not.toMatch(/undefined|NaN|Invalid|R\$|Total|NF-e/);
        for (const item of order.items) expect(result.text).not.toContain(item.name);
        if (order.tracking) expect(result.text).not.toContain(order.tracking.code);
        if (order.invoice) expect(result.text).not.toContain(order.invoice.number);
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
