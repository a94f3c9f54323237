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

const SCAN_LABELS: Record<Locale, Record<string, string>> = {
  'pt-BR': {
    posted: 'postado',
    in_transit: 'em trânsito',
    out_for_delivery: 'saiu para entrega',
    delivered: 'entregue',
    delivery_failed: 'tentativa de entrega sem sucesso',
    returned: 'devolvido ao remetente',
  },
  en: {
    posted: 'posted',
    in_transit: 'in transit',
    out_for_delivery: 'out for delivery',
    delivered: 'delivered',
    delivery_failed: 'delivery attempt failed',
    returned: 'returned to sender',
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

function arrival(order: Order, locale: Locale, now: Date): string {
  if (!order.estimatedDelivery) return '';
  const when = order.estimatedDelivery;
  if (locale === 'en') {
    return sameDay(when, now) ? ' It should arrive today.' : ` Expected delivery: ${day(when, locale)}.`;
  }
  return sameDay(when, now) ? ' Deve chegar ainda hoje.' : ` Previsão de entrega: ${day(when, locale)}.`;
}

/** The sentences describing one order's status to its owner, first the status, then items and total. */
export function describeOrder(order: Order, options: { locale: Locale; now: Date }): string[] {
  const { locale, now } = options;
  const en = locale === 'en';
  const n = `#${order.number}`;
  const tracking = order.tracking;
  const lastScan = tracking?.events.at(-1);
  const sentences: string[] = [];

  switch (order.status) {
    case 'awaiting_payment': {
      const due = order.payment.dueAt;
      const expired = due !== undefined && Date.parse(due) <= now.getTime();
      if (order.payment.method === 'pix') {
        if (expired)
          sentences.push(
            en
              ? `Order ${n} is awaiting a Pix payment, but its Pix code has expired; the order will be canceled.`
              : `O pedido ${n} aguardava o pagamento via Pix, mas o código expirou; o pedido será cancelado.`,
          );
        else
          sentences.push(
            en
              ? `Order ${n} is awaiting your Pix payment${due ? `; the Pix code is valid until ${time(due, locale)}` : ''}. Pix payments are confirmed instantly.`
              : `O pedido ${n} está aguardando o pagamento via Pix${due ? `; o código vale até as ${time(due, locale)}` : ''}. A confirmação do Pix é imediata.`,
          );
      } else if (order.payment.method === 'boleto') {
        sentences.push(
          en
            ? `Order ${n} is awaiting payment of its boleto${due ? `, due ${day(due, locale)}` : ''}. Once paid, clearing takes up to 3 business days.`
            : `O pedido ${n} está aguardando o pagamento do boleto${due ? `, que vence em ${day(due, locale)}` : ''}. Depois do pagamento, a compensação leva até 3 dias úteis.`,
        );
      } else {
        sentences.push(
          en
            ? `Order ${n} is awaiting approval of the card payment.`
            : `O pedido ${n} está aguardando a aprovação do pagamento no cartão.`,
        );
      }
      break;
    }
    case 'paid':
      sentences.push(
        (en
          ? `Payment for order ${n} was approved and it is being picked in our warehouse.`
          : `O pagamento do pedido ${n} foi aprovado e ele está em separação no nosso centro de distribuição.`) +
          arrival(order, locale, now),
      );
      break;
    case 'invoiced':
      sentences.push(
        (en
          ? `Order ${n} has been invoiced${order.invoice ? ` (NF-e no. ${order.invoice.number})` : ''} and is being prepared for shipping.`
          : `O pedido ${n} já tem nota fiscal${order.invoice ? ` (NF-e nº ${order.invoice.number})` : ''} e está sendo preparado para envio.`) +
          arrival(order, locale, now),
      );
      break;
    case 'shipped':
    case 'out_for_delivery': {
      const head =
        order.status === 'out_for_delivery'
          ? en
            ? `Order ${n} is out for delivery`
            : `O pedido ${n} saiu para entrega`
          : en
            ? `Order ${n} has shipped`
            : `O pedido ${n} foi enviado`;
      const via = tracking
        ? en
          ? ` with ${tracking.carrier}, tracking code ${tracking.code}.`
          : ` via ${tracking.carrier}, código de rastreio ${tracking.code}.`
        : '.';
      sentences.push(head + via);
      if (lastScan) {
        const where = lastScan.location ? ` — ${lastScan.location}` : '';
        sentences.push(
          en
            ? `Latest update (${day(lastScan.at, locale)}, ${time(lastScan.at, locale)}): ${SCAN_LABELS.en[lastScan.status]}${where}.`
            : `Última atualização (${day(lastScan.at, locale)}, ${time(lastScan.at, locale)}): ${SCAN_LABELS['pt-BR'][lastScan.status]}${where}.`,
        );
      }
      const eta = arrival(order, locale, now).trim();
      if (eta) sentences.push(eta);
      break;
    }
    case 'delivered': {
      const at = order.deliveredAt;
      sentences.push(
        en
          ? `Order ${n} was delivered${at ? ` on ${day(at, locale)}` : ''}.`
          : `O pedido ${n} foi entregue${at ? ` em ${day(at, locale)}` : ''}.`,
      );
      if (at && now.getTime() - Date.parse(at) <= 7 * 24 * 3_600_000) {
        sentences.push(
          en
            ? 'If you changed your mind, you can return it within 7 days of delivery.'
            : 'Se você se arrependeu, pode devolver em até 7 dias após o recebimento.',
        );
      }
      break;
    }
    case 'canceled': {
      const c = order.cancellation;
      sentences.push(
        en
          ? `Order ${n} was canceled${c ? ` on ${day(c.at, locale)}` : ''}.`
          : `O pedido ${n} foi cancelado${c ? ` em ${day(c.at, locale)} (${c.reason.charAt(0).toLowerCase()}${c.reason.slice(1)})` : ''}.`,
      );
      break;
    }
    case 'return_requested': {
      const r = order.return;
      sentences.push(
        en
          ? `You requested a return of order ${n}${r ? ` on ${day(r.requestedAt, locale)}` : ''}; we will refund you as soon as the product reaches our warehouse.`
          : `A devolução do pedido ${n} foi solicitada${r ? ` em ${day(r.requestedAt, locale)}` : ''}; assim que o produto chegar ao nosso centro de distribuição, liberamos o reembolso.`,
      );
      break;
    }
    case 'refunded': {
      const r = order.return;
      const amount = money(r?.refundAmount ?? order.total, locale);
      sentences.push(
        en
          ? `Order ${n} was returned and refunded (${amount})${r?.refundedAt ? ` on ${day(r.refundedAt, locale)}` : ''}.`
          : `O pedido ${n} foi devolvido e o reembolso de ${amount} foi feito${r?.refundedAt ? ` em ${day(r.refundedAt, locale)}` : ''}.`,
      );
      break;
    }
  }

  const items = order.items.map((i) => `${i.quantity}× ${i.name}`).join(', ');
  sentences.push(
    en
      ? `Items: ${items}. Total: ${money(order.total, locale)}.`
      : `Itens: ${items}. Total: ${money(order.total, locale)}.`,
  );
  return sentences;
}

/** One line of the order list: number, status, total and date. */
export function describeOrderLine(order: Order, locale: Locale): string {
  return `#${order.number} — ${statusLabel(order.status, locale)} — ${money(order.total, locale)} (${day(order.placedAt, locale)})`;
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
    unavailable: string;
  }
> = {
  'pt-BR': {
    signIn: 'Para ver seus pedidos, entre na sua conta. Depois é só perguntar de novo!',
    notFound:
      'Não encontrei esse pedido na sua conta. Confira o número ou peça "meus pedidos" para ver a lista.',
    noOrders: 'Não encontrei pedidos na sua conta.',
    noOpenOrders: 'Você não tem pedidos em andamento. O mais recente:',
    listIntro: (shown, total) =>
      total === shown
        ? `Você tem ${total} ${total === 1 ? 'pedido' : 'pedidos'}:`
        : `Você tem ${total} pedidos; estes são os ${shown} mais recentes:`,
    listHint: (example) => `Para ver os detalhes, pergunte pelo número, por exemplo "pedido ${example}".`,
    unavailable: 'Não consegui consultar seus pedidos agora. Tente de novo em alguns minutos, por favor.',
  },
  en: {
    signIn: 'Please sign in to see your orders — then just ask again!',
    notFound:
      'I could not find that order in your account. Check the number, or ask for "my orders" to see them.',
    noOrders: 'I found no orders in your account.',
    noOpenOrders: 'You have no orders in progress. The most recent one:',
    listIntro: (shown, total) =>
      total === shown
        ? `You have ${total} ${total === 1 ? 'order' : 'orders'}:`
        : `You have ${total} orders; these are the ${shown} most recent:`,
    listHint: (example) => `For details, ask about an order by its number, e.g. "order ${example}".`,
    unavailable: 'I could not look up your orders right now. Please try again in a few minutes.',
  },
};
