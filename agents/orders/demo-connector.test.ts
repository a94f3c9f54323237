import { describe, expect, it } from 'vitest';
import { createDemoConnector, DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID, demoOrders } from './demo-connector.js';
import { orderSchema, orderStatusSchema } from './order.js';

const NOW = new Date('2025-03-10T15:00:00Z');
const connector = createDemoConnector({ now: () => NOW });

describe('demo orders', () => {
  it('are valid orders, with unique numbers, dated relative to the clock', () => {
    const orders = demoOrders(NOW);
    for (const order of orders) expect(() => orderSchema.parse(order)).not.toThrow();
    expect(new Set(orders.map((o) => o.number)).size).toBe(orders.length);
    expect(orders.every((o) => Date.parse(o.placedAt) < NOW.getTime())).toBe(true);
    const later = demoOrders(new Date(NOW.getTime() + 86_400_000));
    expect(Date.parse(later[0]!.placedAt) - Date.parse(orders[0]!.placedAt)).toBe(86_400_000);
  });

  it.each([DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID])('give customer %s an order in every status', async (id) => {
    const orders = await connector.listOrders(id);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(orderStatusSchema.options));
    const awaiting = orders.filter((o) => o.status === 'awaiting_payment').map((o) => o.payment.method);
    expect(awaiting.sort()).toEqual(['boleto', 'pix']);
  });

  it('carry what each status implies: invoices, tracking codes and scans, cancellations, refunds', () => {
    for (const order of demoOrders(NOW)) {
      const total = order.items.reduce((s, i) => s + i.quantity * i.unitPrice, 0) + order.shippingCost;
      expect(order.total).toBeCloseTo(total, 2);
      if (['invoiced', 'shipped', 'out_for_delivery', 'delivered'].includes(order.status)) {
        expect(order.invoice?.number).toMatch(/^\d+$/);
        expect(order.invoice?.accessKey).toMatch(/^\d{44}$/);
      }
      if (['shipped', 'out_for_delivery', 'delivered'].includes(order.status)) {
        expect(order.tracking?.code).toBeTruthy();
        expect(order.tracking?.events.length).toBeGreaterThan(0);
      }
      if (order.status === 'awaiting_payment') expect(Date.parse(order.payment.dueAt!)).toBeGreaterThan(+NOW);
      if (order.status === 'canceled') expect(order.cancellation?.reason).toBeTruthy();
      if (order.status === 'return_requested') expect(order.return?.refundedAt).toBeUndefined();
      if (order.status === 'refunded') expect(order.return?.refundAmount).toBeGreaterThan(0);
    }
  });
});

describe('createDemoConnector', () => {
  it('lists only the customer’s own orders', async () => {
    const ana = await connector.listOrders(DEMO_CUSTOMER_ID);
    const bruno = await connector.listOrders(DEMO_PREMIUM_ID);
    expect(ana.length).toBeGreaterThan(0);
    expect(ana.every((o) => o.customerId === DEMO_CUSTOMER_ID)).toBe(true);
    expect(bruno.every((o) => o.customerId === DEMO_PREMIUM_ID)).toBe(true);
    expect(await connector.listOrders('00000000-0000-4000-8000-000000000003')).toEqual([]);
    expect(await connector.listOrders('guest:5b0c4c0e-4a7f-4a53-a6d3-0e1f6c9b2f11')).toEqual([]);
  });

  it('never gives customer A an order of customer B, even by its number', async () => {
    expect((await connector.getOrder(DEMO_PREMIUM_ID, '1042'))?.customerId).toBe(DEMO_PREMIUM_ID);
    expect(await connector.getOrder(DEMO_CUSTOMER_ID, '1042')).toBeNull();
    expect(await connector.getOrder(DEMO_CUSTOMER_ID, '#1042')).toBeNull();
    for (const order of await connector.listOrders(DEMO_PREMIUM_ID)) {
      expect(await connector.getOrder(DEMO_CUSTOMER_ID, order.number)).toBeNull();
    }
    for (const order of await connector.listOrders(DEMO_CUSTOMER_ID)) {
      expect(await connector.getOrder(DEMO_PREMIUM_ID, order.number)).toBeNull();
    }
  });

  it('finds the customer’s order however the number is typed', async () => {
    expect((await connector.getOrder(DEMO_CUSTOMER_ID, ' #1038 '))?.number).toBe('1038');
    expect(await connector.getOrder(DEMO_CUSTOMER_ID, '9999')).toBeNull();
  });
});
