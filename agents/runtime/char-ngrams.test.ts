import { describe, expect, it } from 'vitest';
import { contentWords, cosine, createVectorIndex, fitNgramSpace } from './char-ngrams.js';

const stop = new Set(['o', 'de', 'meu']);
const phrases = [
  'qual o prazo de entrega',
  'quando chega meu pedido',
  'como uso um cupom de desconto',
  'meu cupom deu erro',
  'posso pagar com pix',
].map((p) => contentWords(p, stop));

describe('character n-grams', () => {
  const space = fitNgramSpace(phrases);
  const vectors = phrases.map((words) => space.vector(words));

  it('gives one query the dot product with every indexed vector, as cosine does one by one', () => {
    const index = createVectorIndex(vectors);
    for (const text of ['cupon com erro', 'prazo pra entregar', 'pix', 'nada a ver aqui']) {
      const query = space.vector(contentWords(text, stop));
      const dots = index.dots(query);
      expect(dots).toHaveLength(vectors.length);
      vectors.forEach((v, i) => {
        expect(dots[i]).toBeCloseTo(cosine(query, v), 12);
      });
    }
  });

  it('ranks a typo next to the word it misspells', () => {
    const index = createVectorIndex(vectors);
    const dots = [...index.dots(space.vector(contentWords('o cupon deu eror', stop)))];
    expect(dots.indexOf(Math.max(...dots))).toBe(3);
  });

  it('answers a new query, not the last one kept', () => {
    const index = createVectorIndex(vectors);
    const pix = index.dots(space.vector(['pix']));
    const prazo = index.dots(space.vector(['prazo']));
    expect(pix[4]).toBeGreaterThan(0);
    expect(prazo[4]).toBe(0);
    expect(prazo[0]).toBeGreaterThan(0);
  });
});
