import { z } from 'zod';

/** The lifecycle states of an order, from checkout to refund. */
export const orderStatusSchema = z.enum([
  'awaiting_payment',
  'paid',
  'invoiced',
  'shipped',
  'out_for_delivery',
  'delivered',
  'canceled',
  'return_requested',
  'refunded',
]);

/** One state of an order's lifecycle. */
export type OrderStatus = z.infer<typeof orderStatusSchema>;

const datetime = z.iso.datetime({ offset: true });
const money = z.number().nonnegative();

/** One line of an order: a product, how many, and its unit price in BRL. */
export const orderItemSchema = z.object({
  sku: z.string().min(1),
  name: z.string().min(1),
  quantity: z.number().int().positive(),
  unitPrice: money,
});

/** How the order is paid; `dueAt` is when a boleto or Pix code expires. */
export const paymentSchema = z.object({
  method: z.enum(['pix', 'boleto', 'credit_card']),
  installments: z.number().int().positive().optional(),
  dueAt: datetime.optional(),
  paidAt: datetime.optional(),
});

/** One scan of a parcel by the carrier. */
export const trackingEventSchema = z.object({
  at: datetime,
  status: z.enum(['posted', 'in_transit', 'out_for_delivery', 'delivered', 'delivery_failed', 'returned']),
  description: z.string(),
  location: z.string().optional(),
});

/** The carrier, its tracking code and the parcel's scans, newest last. */
export const trackingSchema = z.object({
  carrier: z.string().min(1),
  code: z.string().min(1),
  url: z.url().optional(),
  events: z.array(trackingEventSchema),
});

/** The order's electronic invoice (NF-e). */
export const invoiceSchema = z.object({
  number: z.string().min(1),
  series: z.string().optional(),
  accessKey: z
    .string()
    .regex(/^\d{44}$/, 'an NF-e access key has 44 digits')
    .optional(),
  issuedAt: datetime,
});

/**
 * An order as the shop's order API returns it (and as the demo data holds it). `customerId`, when present, MUST be
 * the customer the order was asked for; connectors drop orders that name someone else.
 */
export const orderSchema = z.object({
  number: z.string().min(1).max(40),
  customerId: z.string().optional(),
  status: orderStatusSchema,
  placedAt: datetime,
  currency: z.literal('BRL'),
  items: z.array(orderItemSchema).min(1),
  shippingCost: money,
  total: money,
  payment: paymentSchema,
  estimatedDelivery: datetime.optional(),
  deliveredAt: datetime.optional(),
  tracking: trackingSchema.optional(),
  invoice: invoiceSchema.optional(),
  cancellation: z.object({ at: datetime, reason: z.string() }).optional(),
  return: z
    .object({
      requestedAt: datetime,
      reason: z.string(),
      refundedAt: datetime.optional(),
      refundAmount: money.optional(),
    })
    .optional(),
});

/** An order of one customer. */
export type Order = z.infer<typeof orderSchema>;

/** An order item. */
export type OrderItem = z.infer<typeof orderItemSchema>;

/** An order's tracking information. */
export type Tracking = z.infer<typeof trackingSchema>;

/** Statuses in which an order still needs something to happen (payment, shipping, delivery or a refund). */
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'awaiting_payment',
  'paid',
  'invoiced',
  'shipped',
  'out_for_delivery',
  'return_requested',
]);

/** Statuses in which the parcel is with the carrier. */
export const IN_TRANSIT_STATUSES: ReadonlySet<OrderStatus> = new Set(['shipped', 'out_for_delivery']);

/** Normalises an order number as shoppers type it ("#1042", " 1042 ") to the shop's form ("1042"). */
export function normalizeOrderNumber(value: string): string {
  return value.trim().replace(/^#/, '').trim().toUpperCase();
}

/** Sorts orders newest first, by `placedAt`. */
export function newestFirst(orders: readonly Order[]): Order[] {
  return [...orders].sort((a, b) => Date.parse(b.placedAt) - Date.parse(a.placedAt));
}
