import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KnowledgeBaseError,
  loadKnowledgeBase,
  loadOutOfScope,
  parseKnowledgeBase,
} from './knowledge-base.js';

const faqPath = new URL('./faq.json', import.meta.url);

const entry = (id: string) => ({
  id,
  topic: 'delivery',
  question: { pt: 'Pergunta?', en: 'Question?' },
  answer: { pt: 'Resposta.', en: 'Answer.' },
  keywords: { pt: ['prazo'], en: ['time'] },
  paraphrases: { pt: [], en: [] },
});

describe('faq.json', () => {
  it('has at least 84 entries, each in pt and en, with unique ids and 3+ paraphrases per language', async () => {
    const entries = await loadKnowledgeBase(faqPath);
    expect(entries.length).toBeGreaterThanOrEqual(84);
    for (const e of entries) {
      expect(e.paraphrases.pt.length, e.id).toBeGreaterThanOrEqual(3);
      expect(e.paraphrases.en.length, e.id).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.question.pt && e.question.en && e.answer.pt && e.answer.en).toBeTruthy();
      expect(e.keywords.pt.length).toBeGreaterThan(0);
      expect(e.keywords.en.length).toBeGreaterThan(0);
    }
  });

  it('covers the policies the brief names', async () => {
    const ids = new Set((await loadKnowledgeBase(faqPath)).map((e) => e.id));
    for (const id of [
      'delivery-time',
      'free-shipping',
      'order-tracking',
      'right-of-withdrawal',
      'refund-pix',
      'refund-credit-card',
      'refund-boleto',
      'pix-payment',
      'card-instalments',
      'invoice-nfe',
      'coupon-how-to',
      'password-reset',
      'delete-account',
      'dpo-contact',
      'legal-warranty',
      'out-of-stock',
      'store-pickup',
      'human-operator',
      'incomplete-order',
      'product-not-as-described',
      'marketplace-seller',
      'pre-order',
      'deliver-to-someone-else',
      'delivery-area',
      'weekend-delivery',
      'carrier-contact',
      'return-shipping-cost',
      'order-not-shipped',
      'pix-expired',
      'boleto-second-copy',
      'payment-under-review',
      'digital-wallets',
      'email-change',
      'login-problem',
      'stock-alert',
      'warranty-claim',
      'bulk-purchase',
      'customs-taxes',
      'contact-channels',
      'physical-stores',
      'product-voltage',
      'product-authenticity',
      'loyalty-program',
      'product-review',
    ]) {
      expect(ids, id).toContain(id);
    }
  });

  it('answers the delivery-time question in pt-BR with accents', async () => {
    const deliveryTime = (await loadKnowledgeBase(faqPath)).find((e) => e.id === 'delivery-time');
    expect(deliveryTime?.question.pt).toBe('Qual o prazo de entrega?');
    expect(deliveryTime?.answer.pt).toMatch(/dias úteis/);
  });

  it('cites art. 49 of the CDC and the 90-day legal warranty', async () => {
    const byId = new Map((await loadKnowledgeBase(faqPath)).map((e) => [e.id, e]));
    expect(byId.get('right-of-withdrawal')?.answer.pt).toMatch(/art\. 49 do Código de Defesa do Consumidor/);
    expect(byId.get('legal-warranty')?.answer.pt).toMatch(/90 dias para bens duráveis/);
  });
});

describe('parseKnowledgeBase', () => {
  it('rejects duplicate ids, naming them', () => {
    expect(() => parseKnowledgeBase([entry('a'), entry('b'), entry('a')])).toThrow(/duplicate FAQ id "a"/);
  });

  it('rejects an entry without English', () => {
    const broken = { ...entry('a'), answer: { pt: 'Resposta.' } };
    expect(() => parseKnowledgeBase([broken])).toThrow(KnowledgeBaseError);
  });
});

describe('loadKnowledgeBase', () => {
  it('reports unreadable JSON with the file path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kb-'));
    const path = join(dir, 'faq.json');
    await writeFile(path, '{ not json');
    await expect(loadKnowledgeBase(path)).rejects.toThrow(new RegExp(`Cannot read knowledge base ${path}`));
  });
});

describe('loadOutOfScope', () => {
  it('reads the examples beside the FAQ, in both languages', async () => {
    const examples = await loadOutOfScope(new URL('./out-of-scope.json', import.meta.url));
    expect(examples.pt.length).toBeGreaterThanOrEqual(50);
    expect(examples.en.length).toBeGreaterThanOrEqual(30);
  });

  it('rejects a file without one of the languages, naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oos-'));
    const path = join(dir, 'out-of-scope.json');
    await writeFile(path, JSON.stringify({ pt: ['vcs vendem carro?'] }));
    await expect(loadOutOfScope(path)).rejects.toThrow(new RegExp(`Invalid out-of-scope examples ${path}`));
  });
});
