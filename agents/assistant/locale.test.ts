import { describe, expect, it } from 'vitest';
import { detectLocale, foldDiacritics, parseLocale } from './locale.js';

describe('detectLocale', () => {
  it.each([
    ['Qual o prazo de entrega?', 'pt-BR'],
    ['nao recebi meu pedido', 'pt-BR'],
    ['posso pagar com pix', 'pt-BR'],
    ['Can I pay with Pix?', 'en'],
    ['How long does delivery take?', 'en'],
    ['where is my order', 'en'],
    ['', 'pt-BR'],
    ['pix', 'pt-BR'],
  ])('%j → %s', (text, locale) => {
    expect(detectLocale(text)).toBe(locale);
  });
});

describe('parseLocale', () => {
  it('accepts loose tags and rejects others', () => {
    expect(parseLocale('pt')).toBe('pt-BR');
    expect(parseLocale('pt_BR')).toBe('pt-BR');
    expect(parseLocale('en-US')).toBe('en');
    expect(parseLocale('fr')).toBeUndefined();
    expect(parseLocale(42)).toBeUndefined();
  });
});

describe('foldDiacritics', () => {
  it('strips accents and lower-cases', () => {
    expect(foldDiacritics('Devolução NÃO')).toBe('devolucao nao');
  });
});
