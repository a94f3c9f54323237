import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentCard } from '../../agents/runtime/index.js';
import { testCard } from '../../agents/runtime/testing/fixtures.js';
import type { SkillTarget } from './agent-directory.js';
import { planReply } from './planner.js';
import { chooseSkill, terms } from './router.js';

// The real cards the mesh ships, as the directory would hold them.
function agent(name: string): SkillTarget['agent'] {
  const card = parseAgentCard(
    JSON.parse(readFileSync(join(import.meta.dirname, `../../agent-cards/${name}.json`), 'utf8')),
  );
  return { baseUrl: `https://${name}.test`, state: 'up', card, rpcUrl: `https://${name}.test/a2a` };
}
const mesh = ['assistant', 'sentiment', 'orders', 'promotions'].map(agent);
const options = { fallbackTags: ['faq'] };
const skillFor = (text: string, agents = mesh) => planReply(agents, text, options).answer?.skill.id;

describe('routing by the words of the cards', () => {
  it.each([
    // Asks about the shopper's own order: a guest gets the delivery times and a sign-in (see authorize).
    ['quando minha encomenda chega?', 'order-status'],
    ['o código do cupom deu erro', 'faq-answer'],
    ['quanto tempo demora o reembolso?', 'faq-answer'],
    ["what's the delivery time?", 'faq-answer'],
    ['do you take Pix?', 'faq-answer'],
    ['chegou quebradoooo, e agora?', 'faq-answer'],
    ['cade meu pedidoo?', 'order-status'],
  ])("classifies %j (the issue's examples, typos) as %s", (text, skill) => {
    expect(skillFor(text)).toBe(skill);
  });

  it.each([
    ['Qual o prazo de entrega?', 'faq-answer'],
    ['Quanto custa o frete?', 'faq-answer'],
    ['Esqueci minha senha', 'faq-answer'],
    ['posso pagar com pix?', 'faq-answer'],
    ['O produto está sem estoque, quando volta?', 'faq-answer'],
    ['Como cancelar meu pedido?', 'faq-answer'],
    ['Quero devolver um produto que veio com defeito', 'faq-answer'],
    ['Vocês aceitam boleto?', 'faq-answer'],
    ['How much is shipping to Recife?', 'faq-answer'],
    ['Onde está meu pedido?', 'order-status'],
    ['onde está meu pedido 1042?', 'order-status'],
    ['Meus pedidos', 'order-status'],
    ['Quando chega minha compra?', 'order-status'],
    ['Qual o código de rastreio?', 'order-status'],
    ['Where is my order?', 'order-status'],
    ['Tem algum cupom de desconto para mim?', 'premium-offers'],
    ['Quais as promoções de hoje?', 'premium-offers'],
    ['Any coupons for me?', 'premium-offers'],
  ])('%s → %s', (text, skill) => {
    expect(skillFor(text)).toBe(skill);
  });

  it.each([
    ['Onde está meu pedido? E tem algum cupom de desconto?', 'order-status', 'premium-offers'],
    ['Where is my order, and do you have any coupons?', 'order-status', 'premium-offers'],
    ['Meu pedido não chegou, quero devolver', 'order-status', 'faq-answer'],
    // In the order asked: the merge shows the first answer first.
    ['Tem algum cupom de desconto? E onde está meu pedido?', 'premium-offers', 'order-status'],
    ['Do you have any coupons? Also, where is my order?', 'premium-offers', 'order-status'],
  ])('%s → %s and %s, side by side, in the order asked', (text, first, second) => {
    const plan = planReply(mesh, text, options);
    expect([plan.answer?.skill.id, plan.second?.skill.id]).toEqual([first, second]);
  });

  it.each([
    ['Where is order 1042 and can I still return it?', 'Where is order 1042', 'can I still return it'],
    [
      'Onde está meu pedido? E tem algum cupom de desconto?',
      'Onde está meu pedido',
      'tem algum cupom de desconto',
    ],
    [
      'Tem algum cupom de desconto? E onde está meu pedido?',
      'Tem algum cupom de desconto',
      'onde está meu pedido',
    ],
  ])('%s: each agent is sent its own part', (text, first, second) => {
    expect(planReply(mesh, text, options).parts).toEqual({ answer: first, second });
  });

  it('sends a clause that asks for neither clearly with the FAQ part, and a one-part message whole', () => {
    const plan = planReply(mesh, 'Oi, bom dia! Onde está meu pedido? E como devolvo um produto?', options);
    expect([plan.answer?.skill.id, plan.second?.skill.id]).toEqual(['order-status', 'faq-answer']);
    expect(plan.parts?.answer).toBe('Onde está meu pedido');
    expect(plan.parts?.second).toContain('como devolvo um produto');
    expect(planReply(mesh, 'Qual o prazo de entrega?', options).parts).toBeUndefined();
  });

  it('asks one agent when the message asks one thing, even in words other cards know', () => {
    for (const text of [
      'Qual o prazo de entrega?',
      'Como cancelar meu pedido?',
      'Onde está meu pedido?',
      'Tem algum cupom de desconto para mim?',
      'Quanto custa o frete?',
      'Meu pedido está atrasado, o que faço?',
    ]) {
      expect(planReply(mesh, text, options).second, text).toBeUndefined();
    }
  });

  it('falls back to the FAQ skill when nothing matches, and never to a skill that runs on every message', () => {
    expect(skillFor('bom dia')).toBe('faq-answer');
    expect(skillFor('xyzzy plugh')).toBe('faq-answer');
    expect(planReply(mesh, 'bom dia', options).always.map((t) => t.skill.id)).toEqual(['classify-sentiment']);
  });

  it('gives ties to the fallback skill, whatever the order of the agents', () => {
    const reversed = [...mesh].reverse();
    for (const text of ['posso pagar com pix?', 'frete grátis?']) {
      expect(skillFor(text, reversed)).toBe(skillFor(text, mesh));
    }
  });

  it('routes to a new agent by the words of its card, with nothing about it in the code', () => {
    const newcomer = {
      baseUrl: 'https://newcomer.test',
      state: 'up' as const,
      card: testCard('https://newcomer.test/a2a'),
      rpcUrl: 'https://newcomer.test/a2a',
    };
    expect(skillFor('repeat after me: olá', [...mesh, newcomer])).toBe('echo');
    expect(skillFor('Qual o prazo de entrega?', [...mesh, newcomer])).toBe('faq-answer');
  });

  it('returns nothing when no agent is known', () => {
    expect(chooseSkill([], 'Onde está meu pedido?', options)).toBeUndefined();
  });
});

describe('terms', () => {
  const meet = (...words: string[]) => new Set(words.flatMap(terms)).size === 1;

  it('folds accents and drops the stop words of both languages and chat words', () => {
    expect(terms('Onde estão os meus pedidos?')).toEqual(terms('pedido'));
    expect(terms('Where are my orders')).toEqual(terms('order'));
    expect(terms('Olá, bom dia! Obrigado, please tell me, eles estiveram aqui')).toEqual([]);
    expect(terms('Promoções')).toEqual(terms('promocoes'));
  });

  it('meets plurals with their singulars, in Portuguese and in English', () => {
    expect(meet('pedido', 'pedidos')).toBe(true);
    expect(meet('order', 'orders')).toBe(true);
    expect(meet('entrega', 'entregas')).toBe(true);
    expect(meet('delivery', 'deliveries')).toBe(true);
  });

  it('makes the plural folds the stemmers do not: -ões/-ães, -éis and a final nasal m', () => {
    expect(meet('promoção', 'promoções', 'promocao', 'promocoes')).toBe(true);
    expect(meet('papel', 'papéis')).toBe(true);
    expect(meet('item', 'itens')).toBe(true);
    expect(meet('cupom', 'cupons')).toBe(true);
    expect(meet('coupon', 'coupons')).toBe(true);
    expect(terms('cupons e promoções')).toEqual([...terms('cupom'), ...terms('promoção')]);
  });
});
