import { describe, expect, it } from 'vitest';
import { clusterQuestions, normaliseQuestion } from './questions.js';

describe('normaliseQuestion', () => {
  it.each([
    ['Qual é o PRAZO de entrega?', 'entrega prazo'],
    ['Entrega: prazo!', 'entrega prazo'],
    ['Vocês entregam em Belém?', 'belem entregam'],
    ['Do you ship to Portugal?', 'portugal ship'],
    ['o que é isso', 'e isso o que'],
    ['???', ''],
  ])('%s → %s', (text, key) => {
    expect(normaliseQuestion(text)).toBe(key);
  });
});

describe('clusterQuestions', () => {
  it('merges wordings of one question, most asked first, and keeps every wording', () => {
    const clusters = clusterQuestions([
      { text: 'qual o prazo de entrega?', count: 3, lastAt: '2025-03-01T10:00:00.000Z' },
      { text: 'hello', count: 4, lastAt: '2025-03-01T09:00:00.000Z' },
      { text: 'prazo da entrega', count: 5, lastAt: '2025-03-01T11:00:00.000Z' },
      { text: '???', count: 9, lastAt: '2025-03-01T11:00:00.000Z' },
    ]);
    expect(clusters).toEqual([
      {
        key: 'entrega prazo',
        count: 8,
        question: 'prazo da entrega',
        paraphrases: ['prazo da entrega', 'qual o prazo de entrega?'],
        lastAt: '2025-03-01T11:00:00.000Z',
      },
      {
        key: 'hello',
        count: 4,
        question: 'hello',
        paraphrases: ['hello'],
        lastAt: '2025-03-01T09:00:00.000Z',
      },
    ]);
  });
});
