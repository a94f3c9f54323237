import { describe, expect, it } from 'vitest';
import { detectLanguage, shopperLanguage } from './language.js';

describe('shopperLanguage', () => {
  it('answers in the language of the text, whatever the page says', () => {
    expect(shopperLanguage({ text: "what's the delivery time?", locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'I forgot my password', locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'do you take Pix?', locale: 'pt-BR' })).toBe('en');
    expect(shopperLanguage({ text: 'qdo chega minha encomenda', locale: 'en' })).toBe('pt-BR');
    expect(shopperLanguage({ text: 'vcs entregam no sabado?', locale: 'en' })).toBe('pt-BR');
  });

  it('reads chat words too short for n-grams', () => {
    expect(detectLanguage('oi')).toBe('pt-BR');
    expect(detectLanguage('obg')).toBe('pt-BR');
    expect(detectLanguage('hi')).toBe('en');
    expect(detectLanguage('thanks a lot!')).toBe('en');
  });

  it('keeps the conversation’s language, or else the page’s, for a message too short to tell', () => {
    for (const text of ['ok', 'Pix?', '1042', '👍']) {
      expect(detectLanguage(text)).toBeUndefined();
      expect(shopperLanguage({ text, locale: 'pt-BR', previous: 'en' })).toBe('en');
      expect(shopperLanguage({ text, locale: 'en' })).toBe('en');
      expect(shopperLanguage({ text, locale: 'pt-BR' })).toBe('pt-BR');
    }
  });

  it('lets the locale the shopper chose with the switch win', () => {
    expect(shopperLanguage({ text: "what's the delivery time?", locale: 'pt-BR', forced: true })).toBe(
      'pt-BR',
    );
    expect(shopperLanguage({ text: 'qual o prazo?', locale: 'en', forced: true, previous: 'pt-BR' })).toBe(
      'en',
    );
  });
});
