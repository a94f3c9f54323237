import { describe, expect, it } from 'vitest';
import { faqDraft } from './faq-draft.js';

describe('faqDraft', () => {
  it('turns a cluster into an FAQ entry to complete', () => {
    expect(
      faqDraft({
        key: 'entregam portugal',
        count: 3,
        question: 'vocês entregam em portugal?',
        paraphrases: ['vocês entregam em portugal?', 'entregam em portugal??'],
        lastAt: '2025-03-01T09:00:00.000Z',
      }),
    ).toEqual({
      id: 'entregam-portugal',
      title: 'Vocês entregam em portugal',
      question: 'Vocês entregam em portugal?',
      answer: '',
      paraphrases: ['entregam em portugal??'],
    });
  });
});
