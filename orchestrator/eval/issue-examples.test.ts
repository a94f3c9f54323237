import { beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../../agents/assistant/knowledge-base.js';
import type { LabelledMessage } from './answer-set.js';
import { type AnswerEvaluator, createAnswerEvaluator, loadAgentCards } from './evaluate.js';

// The examples of issue 12, asked as a guest on the demo page (pt-BR): each must reach the FAQ skill, in the
// shopper's language, with the right entry first and no "not found".
const root = new URL('../../', import.meta.url);
let evaluator: AnswerEvaluator;
beforeAll(async () => {
  evaluator = createAnswerEvaluator({
    cards: await loadAgentCards(new URL('agent-cards/', root)),
    entries: await loadKnowledgeBase(new URL('agents/assistant/faq.json', root)),
  });
});

const asGuest = (text: string, language: LabelledMessage['language'], faq: string): LabelledMessage => ({
  id: 'issue-001',
  text,
  role: 'guest',
  language,
  skills: ['faq-answer'],
  faq,
});

describe('the examples of the issue, as a guest on the pt-BR demo page', () => {
  it.each([
    ["what's the delivery time?", 'en', 'delivery-time'],
    ['I forgot my password', 'en', 'password-reset'],
    ['do you take Pix?', 'en', 'pix-payment'],
    ['quando minha encomenda chega?', 'pt-BR', 'delivery-time'],
    ['o código do cupom deu erro', 'pt-BR', 'coupon-not-working'],
    ['a compra chega no domingo?', 'pt-BR', 'weekend-delivery'],
    ['quanto tempo demora o reembolso?', 'pt-BR', 'refund-time'],
  ] as const)('%j → FAQ skill, %s, entry %s', async (text, language, faq) => {
    const outcome = await evaluator.outcome(asGuest(text, language, faq));
    expect(outcome.language).toBe(language);
    expect(outcome.skills).toEqual(['faq-answer']);
    expect(outcome.hits[0]).toBe(faq);
    expect(outcome.notFound).toBe(false);
  });

  it('sends a customer asking where their order is to the orders agent, not the FAQ', async () => {
    const row = { ...asGuest('onde está meu pedido 1042?', 'pt-BR', 'none'), role: 'customer' as const };
    expect((await evaluator.outcome({ ...row, skills: ['order-status'] })).skills).toEqual(['order-status']);
  });
});
