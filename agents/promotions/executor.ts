import type { AgentExecutor } from '@a2a-js/sdk/server';
import { callerOf, type Logger } from '../runtime/index.js';
import { localeOf } from '../runtime/locale.js';
import { createRunningTasks, createTaskReply } from '../runtime/task-reply.js';
import { TEXTS, toOfferView } from './answer.js';
import type { OfferCatalogue } from './catalogue.js';
import { currentOffers, type Offer } from './offer.js';

/** The scope the orchestrator mints for this agent's skill, only for premium shoppers. */
export const PROMOTIONS_SCOPE = 'promotions:read';

/** Options of {@link createPromotionsExecutor}. */
export interface PromotionsExecutorOptions {
  catalogue: OfferCatalogue;
  logger: Logger;
  /** The clock: which offers are current, and status timestamps. */
  now?: () => Date;
}

/**
 * The promotions agent: lists the current offers to premium shoppers. Besides the runtime's scope check, it MUST
 * itself refuse (REJECTED) any caller whose token role is not `premium` or lacks the scope; a failing catalogue
 * degrades the answer, it never fails the task.
 */
export function createPromotionsExecutor(options: PromotionsExecutorOptions): AgentExecutor {
  const { catalogue, logger, now = () => new Date() } = options;
  const running = createRunningTasks(now);

  return {
    async execute(context, bus) {
      const execution = running.start(context);
      const reply = createTaskReply({ context, bus, now, signal: execution.signal });
      try {
        const caller = callerOf(context);
        const locale = localeOf(context.userMessage);
        const t = TEXTS[locale];
        reply.start();
        if (caller.role !== 'premium' || !caller.scopes.has(PROMOTIONS_SCOPE)) {
          logger.warn(
            { event: 'role_refused', role: caller.role, correlationId: caller.correlationId },
            'promotions refused to a non-premium caller',
          );
          reply.reject(t.premiumOnly);
          return;
        }
        let offers: Offer[];
        try {
          offers = currentOffers(await catalogue.listOffers(), now());
        } catch (error) {
          logger.warn(
            { err: error, correlationId: caller.correlationId, taskId: context.taskId },
            'offer catalogue unavailable; answering degraded',
          );
          reply.text([t.unavailable]);
          reply.data([{ kind: 'degraded', reason: 'offers_unavailable' }]);
          reply.complete();
          return;
        }
        if (offers.length === 0) {
          reply.text([t.none]);
          reply.complete();
          return;
        }
        // The text is a lead: each offer's title, code and conditions are on its card, not repeated here.
        const coupons = offers.some((o) => o.code) ? [` ${t.outro}`] : [];
        reply.text([t.intro(offers.length), ...coupons]);
        reply.data(offers.map((offer) => ({ kind: 'offer', offer: toOfferView(offer, locale) })));
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
