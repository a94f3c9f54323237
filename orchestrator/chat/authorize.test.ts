import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPE_POLICY } from '../mesh/scope-policy.js';
import { skillTarget } from '../testing/chat-fakes.js';
import { authorize } from './authorize.js';

const faq = skillTarget({ name: 'assistant', skill: 'faq' });
const orders = skillTarget({ name: 'orders', skill: 'order-status', scopes: ['orders:read'] });
const offers = skillTarget({ name: 'promotions', skill: 'offers', scopes: ['promotions:read'] });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });
const options = (role: 'guest' | 'customer' | 'premium') => ({
  shopper: { subject: 's1', role },
  locale: 'en' as const,
  scopePolicy: DEFAULT_SCOPE_POLICY,
});

describe('authorize', () => {
  it('answers with the planned skill and the side skills the role may use', () => {
    const decision = authorize({ answer: faq, always: [sentiment] }, options('guest'));
    expect(decision).toMatchObject({ kind: 'answer', answer: faq, sides: [sentiment] });
    expect(decision.kind === 'answer' && decision.refusal).toBeUndefined();
  });

  it('asks a guest to sign in for orders, sending nothing, and names what to audit', () => {
    const decision = authorize({ answer: orders, always: [sentiment] }, options('guest'));
    expect(decision).toMatchObject({
      kind: 'refuse',
      refusal: {
        text: expect.stringMatching(/sign in/),
        annotation: { agent: 'orchestrator', kind: 'sign_in_required', data: { skill: 'order-status' } },
        audit: { skill: 'order-status', missing: ['orders:read'] },
      },
    });
  });

  it('tells a customer that premium offers are not theirs', () => {
    const decision = authorize({ answer: offers, always: [] }, options('customer'));
    expect(decision).toMatchObject({ kind: 'refuse', refusal: { annotation: { kind: 'not_available' } } });
  });

  it('still gives the general answer beside the refusal: a guest asking about their purchase hears the FAQ and is invited to sign in', () => {
    const decision = authorize({ answer: orders, always: [], fallback: faq }, options('guest'));
    expect(decision).toMatchObject({
      kind: 'answer',
      answer: faq,
      refusal: { annotation: { kind: 'sign_in_required', data: { skill: 'order-status' } } },
    });
  });

  it('tells a customer who asks for coupons that personal offers are for premium customers, beside the FAQ', () => {
    const decision = authorize({ answer: offers, always: [], fallback: faq }, options('customer'));
    expect(decision).toMatchObject({
      kind: 'answer',
      answer: faq,
      refusal: { text: expect.stringMatching(/premium customers/), annotation: { kind: 'not_available' } },
    });
  });

  it('refuses alone when the general answer is the refused skill itself or its agent is down', () => {
    const downFaq = skillTarget({ name: 'assistant', skill: 'faq', state: 'down' });
    expect(authorize({ answer: orders, always: [], fallback: downFaq }, options('guest')).kind).toBe(
      'refuse',
    );
    expect(authorize({ answer: offers, always: [], fallback: offers }, options('customer')).kind).toBe(
      'refuse',
    );
  });

  it('answers the part the role may use, with the refusal beside it', () => {
    const decision = authorize({ answer: offers, second: orders, always: [] }, options('customer'));
    expect(decision).toMatchObject({
      kind: 'answer',
      answer: orders,
      refusal: { annotation: { kind: 'not_available' } },
    });
    expect(decision.kind === 'answer' && decision.second).toBeUndefined();
  });

  it('sends each agent its own part of a two-part message, and the whole message to a stand-in', () => {
    const parts = { answer: 'where is order 1042', second: 'can I still return it' };
    const both = authorize({ answer: orders, second: faq, always: [], parts }, options('customer'));
    expect(both).toMatchObject({ kind: 'answer', texts: { answer: parts.answer, second: parts.second } });
    // The first part is refused: the second part's agent answers, with its own words.
    const swapped = authorize({ answer: offers, second: faq, always: [], parts }, options('customer'));
    expect(swapped).toMatchObject({ kind: 'answer', answer: faq, texts: { answer: parts.second } });
    // The general answer standing in for a refused part reads the whole message.
    const general = authorize({ answer: orders, always: [], fallback: faq, parts }, options('guest'));
    expect(general).toMatchObject({ kind: 'answer', answer: faq });
    expect(general.kind === 'answer' && general.texts?.answer).toBeFalsy();
    expect(authorize({ answer: faq, always: [] }, options('guest'))).not.toHaveProperty('texts');
  });

  it('drops a second skill the role may not use, saying so, or whose agent is down', () => {
    const refused = authorize({ answer: faq, second: offers, always: [] }, options('customer'));
    expect(refused.kind === 'answer' && refused.second).toBeUndefined();
    // "Where is my order? And any coupons?" from a customer: the order is answered, the offers refused aloud.
    expect(refused.kind === 'answer' && refused.refusal?.annotation).toMatchObject({
      kind: 'not_available',
      data: { skill: offers.skill.id },
    });
    const down = skillTarget({
      name: 'orders',
      skill: 'order-status',
      scopes: ['orders:read'],
      state: 'down',
    });
    const decision = authorize({ answer: faq, second: down, always: [] }, options('premium'));
    expect(decision.kind === 'answer' && decision.second).toBeUndefined();
  });

  it('says the service is unavailable when no agent can answer, or the one that should is down', () => {
    expect(authorize({ always: [] }, options('guest'))).toMatchObject({
      kind: 'unavailable',
      code: 'agents_unavailable',
    });
    const down = skillTarget({ name: 'assistant', skill: 'faq', state: 'down' });
    expect(authorize({ answer: down, always: [] }, options('guest'))).toMatchObject({
      kind: 'unavailable',
      code: 'agent_unavailable',
      agent: 'assistant',
    });
  });

  it('leaves out side skills that are down', () => {
    const downSide = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'], state: 'down' });
    const decision = authorize({ answer: faq, always: [downSide] }, options('guest'));
    expect(decision).toMatchObject({ kind: 'answer', sides: [] });
  });
});
