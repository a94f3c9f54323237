import type { Locale } from '../runtime/locale.js';
import type { Order, OrderStatus } from './order.js';

const TIME_ZONE = 'America/Sao_Paulo';

const STATUS_LABELS: Record<Locale, Record<OrderStatus, string>> = {
  'pt-BR': {
    awaiting_payment: 'Aguardando pagamento',
    paid: 'Pagamento aprovado',
    invoiced: 'Nota fiscal emitida',
    shipped: 'Enviado',
    out_for_delivery: 'Saiu para entrega',
    delivered: 'Entregue',
    canceled: 'Cancelado',
    return_requested: 'Devolução solicitada',
    refunded: 'Reembolsado',
  },
  en: {
    awaiting_payment: 'Awaiting payment',
    paid: 'Payment approved',
    invoiced: 'Invoiced',
    shipped: 'Shipped',
    out_for_delivery: 'Out for delivery',
    delivered: 'Delivered',
    canceled: 'Canceled',
    return_requested: 'Return requested',
    refunded: 'Refunded',
  },
};

// Short status words for a list the shopper picks from: "#1049 (aguardando pagamento)".
const SHORT_STATUS: Record<Locale, Record<OrderStatus, string>> = {
  'pt-BR': {
    awaiting_payment: 'aguardando pagamento',
    paid: 'pago',
    invoiced: 'em preparação',
    shipped: 'a caminho',
    out_for_delivery: 'saiu para entrega',
    delivered: 'entregue',
    canceled: 'cancelado',
    return_requested: 'devolução solicitada',
    refunded: 'reembolsado',
  },
  en: {
    awaiting_payment: 'awaiting payment',
    paid: 'paid',
    invoiced: 'being prepared',
    shipped: 'on its way',
    out_for_delivery: 'out for delivery',
    delivered: 'delivered',
    canceled: 'canceled',
    return_requested: 'return requested',
    refunded: 'refunded',
  },
};

/** The shopper-facing name of a status, in `locale`. */
export function statusLabel(status: OrderStatus, locale: Locale): string {
  return STATUS_LABELS[locale][status];
}

/** An order as shown to its owner in a `{ kind: 'order' }` data part: the order with its status label. */
export type OrderView = Omit<Order, 'customerId'> & { statusLabel: string };

/** The order as its owner sees it, without internal fields and without undefined values (JSON-safe). */
export function toOrderView(order: Order, locale: Locale): OrderView {
  const { customerId: _customerId, ...visible } = order;
  return JSON.parse(
    JSON.stringify({ ...visible, statusLabel: statusLabel(order.status, locale) }),
  ) as OrderView;
}

function money(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'pt-BR', { style: 'currency', currency: 'BRL' })
    .format(value)
    .replace(/\u00a0/g, ' ');
}

function day(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    timeZone: TIME_ZONE,
    day: '2-digit',
    month: locale === 'en' ? 'short' : '2-digit',
  }).format(new Date(iso));
}

function time(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    timeZone: TIME_ZONE,
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

function sameDay(a: string, b: Date): boolean {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE });
  return f.format(new Date(a)) === f.format(b);
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 24 * 3_600_000);
}

// When the parcel arrives, as the end of a sentence: " e chega amanhã", " and should arrive on Mar 12".
function arrival(order: Order, locale: Locale, now: Date): string {
  const when = order.estimatedDelivery;
  if (!when) return '';
  const en = locale === 'en';
  if (sameDay(when, now)) return en ? ' and arrives today' : ' e chega hoje';
  if (sameDay(when, addDays(now, 1))) return en ? ' and arrives tomorrow' : ' e chega amanhã';
  return en ? ` and should arrive on ${day(when, locale)}` : ` e deve chegar em ${day(when, locale)}`;
}

function paymentLead(order: Order, locale: Locale, now: Date): string {
  const en = locale === 'en';
  const n = `#${order.number}`;
  const due = order.payment.dueAt;
  switch (order.payment.method) {
    case 'pix':
      if (due !== undefined && Date.parse(due) <= now.getTime())
        return en
          ? `The Pix code of your order ${n} has expired, so the order will be canceled.`
          : `O código Pix do seu pedido ${n} expirou, então o pedido será cancelado.`;
      return en
        ? `Your order ${n} is awaiting your Pix payment${due ? `; the code is valid until ${time(due, locale)}` : ''}.`
        : `Seu pedido ${n} está aguardando o pagamento via Pix${due ? `; o código vale até as ${time(due, locale)}` : ''}.`;
    case 'boleto':
      return en
        ? `Your order ${n} is awaiting payment of its boleto${due ? `, due ${day(due, locale)}` : ''}; clearing takes up to 3 business days.`
        : `Seu pedido ${n} está aguardando o pagamento do boleto${due ? `, que vence em ${day(due, locale)}` : ''}; a compensação leva até 3 dias úteis.`;
    default:
      return en
        ? `Your order ${n} is awaiting approval of the card payment.`
        : `Seu pedido ${n} está aguardando a aprovação do pagamento no cartão.`;
  }
}

/**
 * The lead of an answer about one order whose card goes with it: its status and when it arrives (or what the
 * shopper has to do), in one or two short sentences. The items, total, tracking code and NF-e stay on the card.
 */
export function orderLead(order: Order, options: { locale: Locale; now: Date }): string[] {
  const { locale, now } = options;
  const en = locale === 'en';
  const n = `#${order.number}`;
  const eta = arrival(order, locale, now);
  switch (order.status) {
    case 'awaiting_payment':
      return [paymentLead(order, locale, now)];
    case 'paid':
      return [
        en
          ? `Payment for your order ${n} was approved; it is being picked${eta}.`
          : `O pagamento do seu pedido ${n} foi aprovado; ele está em separação${eta}.`,
      ];
    case 'invoiced':
      return [
        en
          ? `Your order ${n} is being prepared for shipping${eta}.`
          : `Seu pedido ${n} está sendo preparado para envio${eta}.`,
      ];
    case 'shipped':
      return [en ? `Your order ${n} is on its way${eta}.` : `Seu pedido ${n} está a caminho${eta}.`];
    case 'out_for_delivery':
      return [en ? `Your order ${n} is out for delivery${eta}.` : `Seu pedido ${n} saiu para entrega${eta}.`];
    case 'delivered': {
      const at = order.deliveredAt;
      const lead = en
        ? `Your order ${n} was delivered${at ? ` on ${day(at, locale)}` : ''}.`
        : `Seu pedido ${n} foi entregue${at ? ` em ${day(at, locale)}` : ''}.`;
      if (!at || now.getTime() - Date.parse(at) > 7 * 24 * 3_600_000) return [lead];
      return [
        lead,
        en
          ? 'If you changed your mind, you can return it within 7 days of delivery.'
          : 'Se você se arrependeu, pode devolver em até 7 dias após o recebimento.',
      ];
    }
    case 'canceled': {
      const c = order.cancellation;
      return [
        en
          ? `Your order ${n} was canceled${c ? ` on ${day(c.at, locale)}` : ''}.`
          : `Seu pedido ${n} foi cancelado${c ? ` em ${day(c.at, locale)} (${c.reason.charAt(0).toLowerCase()}${c.reason.slice(1)})` : ''}.`,
      ];
    }
    case 'return_requested': {
      const r = order.return;
      return [
        en
          ? `You requested a return of order ${n}${r ? ` on ${day(r.requestedAt, locale)}` : ''}; we will refund you as soon as the product reaches our warehouse.`
          : `A devolução do seu pedido ${n} foi solicitada${r ? ` em ${day(r.requestedAt, locale)}` : ''}; assim que o produto chegar ao nosso centro de distribuição, liberamos o reembolso.`,
      ];
    }
    case 'refunded': {
      const r = order.return;
      // The card shows the total; only a partial refund is news.
      const partial =
        r?.refundAmount !== undefined && r.refundAmount !== order.total ? money(r.refundAmount, locale) : '';
      const on = r?.refundedAt
        ? en
          ? ` on ${day(r.refundedAt, locale)}`
          : ` em ${day(r.refundedAt, locale)}`
        : '';
      return [
        en
          ? `Your order ${n} was returned and refunded${partial ? ` (${partial})` : ''}${on}.`
          : `Seu pedido ${n} foi devolvido e o reembolso${partial ? ` de ${partial}` : ''} foi feito${on}.`,
      ];
    }
  }
}

/** One entry of a list the shopper picks from: "#1049 (aguardando pagamento)". */
export function orderChoice(order: Order, locale: Locale): string {
  return `#${order.number} (${SHORT_STATUS[locale][order.status]})`;
}

/** Fixed texts of the orders agent, by locale. */
export const TEXTS: Record<
  Locale,
  {
    signIn: string;
    notFound: string;
    noOrders: string;
    noOpenOrders: string;
    listIntro: (shown: number, total: number) => string;
    listHint: (example: string) => string;
    choiceIntro: (total: number) => string;
    choiceMore: (more: number) => string;
    choiceQuestion: string;
    unavailable: string;
  }
> = {
  'pt-BR': {
    signIn: 'Para ver seus pedidos, entre na sua conta. Depois é só perguntar de novo!',
    notFound:
      'Não encontrei esse pedido na sua conta. Confira o número ou peça "meus pedidos" para ver a lista.',
    noOrders: 'Não encontrei pedidos na sua conta.',
    noOpenOrders: 'Você não tem pedidos em andamento.',
    listIntro: (shown, total) =>
      total === shown
        ? `Você tem ${total} ${total === 1 ? 'pedido' : 'pedidos'}.`
        : `Você tem ${total} pedidos; estes são os ${shown} mais recentes.`,
    listHint: (example) => `Quer saber mais de algum? Pergunte pelo número, por exemplo "pedido ${example}".`,
    choiceIntro: (total) => `Você tem ${total} pedidos em andamento:`,
    choiceMore: (more) => ` e mais ${more}`,
    choiceQuestion: 'Qual deles?',
    unavailable: 'Não consegui consultar seus pedidos agora. Tente de novo em alguns minutos, por favor.',
  },
  en: {
    signIn: 'Please sign in to see your orders — then just ask again!',
    notFound:
      'I could not find that order in your account. Check the number, or ask for "my orders" to see them.',
    noOrders: 'I found no orders in your account.',
    noOpenOrders: 'You have no orders in progress.',
    listIntro: (shown, total) =>
      total === shown
        ? `You have ${total} ${total === 1 ? 'order' : 'orders'}.`
        : `You have ${total} orders; these are the ${shown} most recent.`,
    listHint: (example) => `Want to know more about one? Ask by its number, e.g. "order ${example}".`,
    choiceIntro: (total) => `You have ${total} orders in progress:`,
    choiceMore: (more) => ` and ${more} more`,
    choiceQuestion: 'Which one?',
    unavailable: 'I could not look up your orders right now. Please try again in a few minutes.',
  },
};
