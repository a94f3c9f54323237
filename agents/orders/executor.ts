import type { AgentExecutor } from '@a2a-js/sdk/server';
import { callerOf, type Logger } from '../runtime/index.js';
import { type Locale, localeOf } from '../runtime/locale.js';
import { createRunningTasks, createTaskReply } from '../runtime/task-reply.js';
import { orderChoice, orderLead, TEXTS, toOrderView } from './answer.js';
import type { OrderConnector } from './connector.js';
import { parseOrderIntent } from './intent.js';
import { newestFirst, OPEN_STATUSES, type Order } from './order.js';

/** Options of {@link createOrdersExecutor}. */
export interface OrdersExecutorOptions {
  connector: OrderConnector;
  logger: Logger;
  /** The clock, for status timestamps and relative dates in answers. */
  now?: () => Date;
  /** How many orders a list (and a list to pick from) shows at most, one card each. */
  listLimit?: number;
}

interface Answer {
  chunks: string[];
  orders: Order[];
}

function messageText(parts: { content?: { $case: string; value?: unknown } }[]): string {
  return parts
    .map((p) => (p.content?.$case === 'text' && typeof p.content.value === 'string' ? p.content.value : ''))
    .join(' ')
    .trim();
}

// Sentences become chunks; every chunk after the first carries its leading space.
function chunked(sentences: string[]): string[] {
  return sentences.map((s, i) => (i === 0 ? s : ` ${s}`));
}

/**
 * The orders agent: answers about the orders of the shopper named by the service token's subject, never by the
 * message text. Guests are asked to sign in; an order number of someone else is answered exactly like one that
 * does not exist; a failing order system degrades the answer, it never fails the task.
 */
export function createOrdersExecutor(options: OrdersExecutorOptions): AgentExecutor {
  const { connector, logger, now = () => new Date(), listLimit = 5 } = options;
  const running = createRunningTasks(now);

  // The text of an answer with cards is a lead: it never repeats what the cards show.
  async function answer(customerId: string, text: string, locale: Locale): Promise<Answer> {
    const t = TEXTS[locale];
    const at = now();
    const intent = parseOrderIntent(text);
    if (intent.kind === 'order') {
      const order = await connector.getOrder(customerId, intent.number);
      if (!order) return { chunks: [t.notFound], orders: [] };
      return { chunks: chunked(orderLead(order, { locale, now: at })), orders: [order] };
    }
    const orders = newestFirst(await connector.listOrders(customerId));
    if (orders.length === 0) return { chunks: [t.noOrders], orders: [] };
    if (intent.kind === 'list') {
      const shown = orders.slice(0, listLimit);
      return {
        chunks: chunked([t.listIntro(shown.length, orders.length), t.listHint(shown[0]?.number ?? '')]),
        orders: shown,
      };
    }
    const open = orders.filter((o) => OPEN_STATUSES.has(o.status));
    if (open.length === 1) {
      const only = open[0] as Order;
      return { chunks: chunked(orderLead(only, { locale, now: at })), orders: [only] };
    }
    if (open.length > 1) {
      // The shopper did not say which: a short list to pick from, newest first, one card each.
      const shown = open.slice(0, listLimit);
      const more = open.length - shown.length;
      const choices = shown.map((o, i) => `${i === 0 ? ' ' : ', '}${orderChoice(o, locale)}`);
      return {
        chunks: [
          t.choiceIntro(open.length),
          ...choices,
          `${more > 0 ? t.choiceMore(more) : ''}. ${t.choiceQuestion}`,
        ],
        orders: shown,
      };
    }
    const latest = orders[0] as Order;
    return { chunks: chunked([t.noOpenOrders, ...orderLead(latest, { locale, now: at })]), orders: [latest] };
  }

  return {
    async execute(context, bus) {
      const execution = running.start(context);
      const reply = createTaskReply({ context, bus, now, signal: execution.signal });
      try {
        const caller = callerOf(context);
        const locale = localeOf(context.userMessage);
        reply.start();
        // A guest session's subject is `guest:<uuid>`; either sign is enough to ask for a sign-in.
        if (caller.role === 'guest' || caller.subject.startsWith('guest:')) {
          reply.text([TEXTS[locale].signIn]);
          reply.data([{ kind: 'sign_in_required' }]);
          reply.complete();
          return;
        }
        let result: Answer;
        try {
          result = await answer(caller.subject, messageText(context.userMessage.parts), locale);
        } catch (error) {
          logger.warn(
            { err: error, correlationId: caller.correlationId, taskId: context.taskId },
            'order system unavailable; answering degraded',
          );
          reply.text([TEXTS[locale].unavailable]);
          reply.data([{ kind: 'degraded', reason: 'orders_unavailable' }]);
          reply.complete();
          return;
        }
        reply.text(result.chunks);
        if (result.orders.length) {
          reply.data(result.orders.map((order) => ({ kind: 'order', order: toOrderView(order, locale) })));
        }
        reply.complete();
      } finally {
        execution.finish();
      }
    },
    async cancelTask(taskId, bus) {
      running.cancel(taskId, bus);
    },
  };
}
