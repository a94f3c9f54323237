import type { Order } from './order.js';

/**
 * The shop's order system, always scoped by customer: an implementation MUST NOT return an order of another
 * customer, whatever the order number.
 */
export interface OrderConnector {
  /** The customer's orders, in any order; empty when the customer has none. */
  listOrders(customerId: string): Promise<Order[]>;
  /** The customer's order with this number, or `null` when the customer has no such order. */
  getOrder(customerId: string, orderNumber: string): Promise<Order | null>;
}

/** Why the order system could not answer. */
export type OrderConnectorFailure = 'timeout' | 'unreachable' | 'http_error' | 'invalid_response';

/** The order system failed or answered something unusable; internal, never shown to shoppers. */
export class OrderConnectorError extends Error {
  constructor(
    readonly reason: OrderConnectorFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OrderConnectorError';
  }
}
