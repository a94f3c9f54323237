import { describe, expect, it } from 'vitest';
import { createStaticAgentDirectory } from '../mesh/agent-directory.js';
import { skillTarget } from '../testing/chat-fakes.js';
import { plan } from './plan.js';

const faq = skillTarget({ name: 'assistant', skill: 'faq', tags: ['faq', 'entrega', 'frete'] });
const orders = skillTarget({ name: 'orders', skill: 'order-status', tags: ['pedido', 'rastreio'] });
const sentiment = skillTarget({ name: 'sentiment', skill: 'sentiment', tags: ['always'] });
const directory = (...targets: (typeof faq)[]) =>
  createStaticAgentDirectory(targets.map((t) => ({ baseUrl: t.agent.baseUrl, card: t.agent.card })));
const options = { fallbackTags: ['faq'] };

describe('plan', () => {
  it('picks the answering skill from the cards, with the skills that run on every message', () => {
    const chosen = plan(directory(faq, orders, sentiment), 'onde está meu pedido?', options);
    expect(chosen.answer?.skill.id).toBe('order-status');
    expect(chosen.always.map((t) => t.skill.id)).toEqual(['sentiment']);
  });

  it('adds a second skill when the message also asks what only another agent knows', () => {
    const chosen = plan(
      directory(faq, orders, sentiment),
      'cadê meu pedido? e qual o prazo do frete?',
      options,
    );
    expect([chosen.answer?.skill.id, chosen.second?.skill.id].sort()).toEqual(['faq', 'order-status']);
  });

  it('falls back to the FAQ skill when no card matches', () => {
    expect(plan(directory(faq, orders), 'bom dia', options).answer?.skill.id).toBe('faq');
  });

  it('still routes to an agent that is down (authorize says so), but never to one whose card is invalid', () => {
    const dir = directory(faq, orders);
    dir.markDown(orders.agent.baseUrl, 'connection refused');
    expect(plan(dir, 'onde está meu pedido?', options).answer?.agent.state).toBe('down');
    const entry = dir.list().find((e) => e.baseUrl === orders.agent.baseUrl);
    if (entry) entry.state = 'invalid';
    expect(plan(dir, 'onde está meu pedido?', options).answer?.skill.id).toBe('faq');
  });
});
