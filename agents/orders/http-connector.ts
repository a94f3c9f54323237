import { z } from 'zod';
import { type OrderConnector, OrderConnectorError } from './connector.js';
import { normalizeOrderNumber, type Order, orderSchema } from './order.js';

const orderListSchema = z.union([z.array(orderSchema), z.object({ orders: z.array(orderSchema) })]);

// Order numbers go into a URL path: anything but letters, digits and dashes is not an order number.
const ORDER_NUMBER = /^[A-Z0-9-]{1,40}$/;

/** Options of {@link createHttpConnector}. */
export interface HttpConnectorOptions {
  /** Base URL of the shop's order API, e.g. `https://shop.example/api`. */
  baseUrl: string;
  /** The fetch to call it with (the global `fetch`, or one with a custom dispatcher). */
  fetch: typeof fetch;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Time allowed for each request, in milliseconds. */
  timeoutMs?: number;
}

/**
 * An {@link OrderConnector} over a shop's order API: `GET {baseUrl}/customers/{id}/orders` answers an array of
 * orders (or `{ orders: [...] }`) and `GET {baseUrl}/customers/{id}/orders/{number}` one order or 404. Answers are
 * validated with {@link orderSchema}; orders that name another customer are dropped. Failures throw
 * {@link OrderConnectorError}.
 */
export function createHttpConnector(options: HttpConnectorOptions): OrderConnector {
  const { fetch, apiKey, timeoutMs = 3_000 } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  async function getJson(path: string, what: string): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new OrderConnectorError('timeout', `orders API did not answer ${what} within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      throw new OrderConnectorError('unreachable', `orders API is unreachable (${what}): ${String(error)}`, {
        cause: error,
      });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new OrderConnectorError('http_error', `orders API answered ${what} with HTTP ${response.status}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const reason =
        error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'unreachable';
      throw new OrderConnectorError(reason, `orders API broke off its answer to ${what}`, { cause: error });
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new OrderConnectorError('invalid_response', `orders API answered ${what} with invalid JSON`, {
        cause: error,
      });
    }
  }

  function invalid(what: string, error: z.ZodError): OrderConnectorError {
    const issues = error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    return new OrderConnectorError('invalid_response', `orders API answered ${what} with ${issues}`, {
      cause: error,
    });
  }

  const mine = (customerId: string) => (order: Order) =>
    order.customerId === undefined || order.customerId === customerId;

  return {
    async listOrders(customerId) {
      const what = 'GET /customers/{id}/orders';
      const json = await getJson(`/customers/${encodeURIComponent(customerId)}/orders`, what);
      if (json === null) return [];
      const parsed = orderListSchema.safeParse(json);
      if (!parsed.success) throw invalid(what, parsed.error);
      const orders = Array.isArray(parsed.data) ? parsed.data : parsed.data.orders;
      return orders.filter(mine(customerId));
    },
    async getOrder(customerId, orderNumber) {
      const number = normalizeOrderNumber(orderNumber);
      if (!ORDER_NUMBER.test(number)) return null;
      const what = 'GET /customers/{id}/orders/{number}';
      const json = await getJson(`/customers/${encodeURIComponent(customerId)}/orders/${number}`, what);
      if (json === null) return null;
      const parsed = orderSchema.safeParse(json);
      if (!parsed.success) throw invalid(what, parsed.error);
      const order = parsed.data;
      return mine(customerId)(order) && normalizeOrderNumber(order.number) === number ? order : null;
    },
  };
}
