import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrderConnectorError } from './connector.js';
import { DEMO_CUSTOMER_ID, DEMO_PREMIUM_ID, demoOrders } from './demo-connector.js';
import { createHttpConnector } from './http-connector.js';

const NOW = new Date('2025-03-10T15:00:00Z');
const orders = demoOrders(NOW);
const shopOrdersOf = (id: string) =>
  orders.filter((o) => o.customerId === id).map(({ customerId, ...o }) => o);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let baseUrl: string;
const seen: { url: string; authorization?: string }[] = [];

// A stand-in for a shop's order API, on a real socket.
const shopApi: Handler = (req, res) => {
  const match = /^\/api\/customers\/([^/]+)\/orders(?:\/([^/]+))?$/.exec(req.url ?? '');
  if (!match) return void res.writeHead(404).end();
  const mine = shopOrdersOf(decodeURIComponent(match[1]!));
  const body = match[2] ? mine.find((o) => o.number === match[2]) : { orders: mine };
  if (!body)
    return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  handler = shopApi;
  seen.length = 0;
});

describe('createHttpConnector', () => {
  it('lists the customer’s orders from GET /customers/{id}/orders, with the API key', async () => {
    const connector = createHttpConnector({ baseUrl, fetch, apiKey: 'shop-key' });
    const list = await connector.listOrders(DEMO_CUSTOMER_ID);
    expect(list.map((o) => o.number).sort()).toEqual(
      shopOrdersOf(DEMO_CUSTOMER_ID)
        .map((o) => o.number)
        .sort(),
    );
    expect(seen[0]).toEqual({
      url: `/api/customers/${DEMO_CUSTOMER_ID}/orders`,
      authorization: 'Bearer shop-key',
    });
  });

  it('accepts a bare array too', async () => {
    handler = (_req, res) => res.end(JSON.stringify(shopOrdersOf(DEMO_PREMIUM_ID)));
    const connector = createHttpConnector({ baseUrl, fetch });
    expect(await connector.listOrders(DEMO_PREMIUM_ID)).toHaveLength(shopOrdersOf(DEMO_PREMIUM_ID).length);
    expect(seen[0]?.authorization).toBeUndefined();
  });

  it('gets one order, and null for a number the customer does not have (404)', async () => {
    const connector = createHttpConnector({ baseUrl, fetch });
    expect((await connector.getOrder(DEMO_PREMIUM_ID, '#1042'))?.status).toBe('shipped');
    expect(seen.at(-1)?.url).toBe(`/api/customers/${DEMO_PREMIUM_ID}/orders/1042`);
    expect(await connector.getOrder(DEMO_CUSTOMER_ID, '1042')).toBeNull();
  });

  it('drops orders the API says belong to someone else', async () => {
    handler = (req, res) => {
      const other = orders.find((o) => o.customerId === DEMO_PREMIUM_ID)!;
      res.end(JSON.stringify(req.url?.endsWith('/orders') ? [other] : other));
    };
    const connector = createHttpConnector({ baseUrl, fetch });
    expect(await connector.listOrders(DEMO_CUSTOMER_ID)).toEqual([]);
    expect(
      await connector.getOrder(
        DEMO_CUSTOMER_ID,
        orders.find((o) => o.customerId === DEMO_PREMIUM_ID)!.number,
      ),
    ).toBeNull();
  });

  it('encodes the customer id and never sends a malformed order number', async () => {
    const connector = createHttpConnector({ baseUrl, fetch });
    await connector.listOrders('guest:a/b');
    expect(seen[0]?.url).toBe('/api/customers/guest%3Aa%2Fb/orders');
    expect(await connector.getOrder(DEMO_CUSTOMER_ID, '../../admin')).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it('times out a slow API with a clear error', async () => {
    handler = () => {}; // never answers
    const connector = createHttpConnector({ baseUrl, fetch, timeoutMs: 100 });
    const started = Date.now();
    const error = await connector.listOrders(DEMO_CUSTOMER_ID).catch((e) => e);
    expect(error).toBeInstanceOf(OrderConnectorError);
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/within 100 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects invalid JSON', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders": [');
    const error = await createHttpConnector({ baseUrl, fetch })
      .listOrders(DEMO_CUSTOMER_ID)
      .catch((e) => e);
    expect(error).toBeInstanceOf(OrderConnectorError);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toMatch(/invalid JSON/);
  });

  it('rejects JSON that is not an order, naming the bad field', async () => {
    handler = (_req, res) =>
      res.end(JSON.stringify({ ...shopOrdersOf(DEMO_CUSTOMER_ID)[0], status: 'lost' }));
    const error = await createHttpConnector({ baseUrl, fetch })
      .getOrder(DEMO_CUSTOMER_ID, '1038')
      .catch((e) => e);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toMatch(/status/);
  });

  it('reports HTTP errors and unreachable APIs', async () => {
    handler = (_req, res) => res.writeHead(502).end('bad gateway');
    const httpError = await createHttpConnector({ baseUrl, fetch })
      .listOrders(DEMO_CUSTOMER_ID)
      .catch((e) => e);
    expect(httpError.reason).toBe('http_error');
    expect(httpError.message).toMatch(/HTTP 502/);
    const down = await createHttpConnector({ baseUrl: 'http://127.0.0.1:1/api', fetch })
      .listOrders(DEMO_CUSTOMER_ID)
      .catch((e) => e);
    expect(down.reason).toBe('unreachable');
  });
});
