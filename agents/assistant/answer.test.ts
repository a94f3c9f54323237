import { describe, expect, it } from 'vitest';
import {
  CONFIDENCE_THRESHOLDS,
  chunkForStreaming,
  composeAnswer,
  empathyPreamble,
  levelOf,
  scoreConfidence,
} from './answer.js';
import type { FaqEntry } from './knowledge-base.js';
import type { Hit } from './retrieval.js';

const entry = (id: string): FaqEntry => ({
  id,
  topic: 'test',
  question: { pt: `Pergunta ${id}?`, en: `Question ${id}?` },
  answer: { pt: `Resposta ${id}.`, en: `Answer ${id}.` },
  keywords: { pt: [id], en: [id] },
  paraphrases: { pt: [], en: [] },
});
const hit = (id: string, score: number, coverage = 1): Hit => ({ entry: entry(id), score, coverage });

describe('scoreConfidence', () => {
  it('is 0 without hits', () => {
    expect(scoreConfidence([])).toBe(0);
  });

  it('grows with the score, the margin and the coverage', () => {
    const strong = scoreConfidence([hit('a', 30), hit('b', 10)]);
    expect(strong).toBeGreaterThan(scoreConfidence([hit('a', 30), hit('b', 28)]));
    expect(strong).toBeGreaterThan(scoreConfidence([hit('a', 5), hit('b', 1.6)]));
    expect(strong).toBeGreaterThan(scoreConfidence([hit('a', 30, 0.5), hit('b', 10)]));
    expect(strong).toBeLessThanOrEqual(1);
  });

  it('falls to "not found" for a question nearer what the help centre does not answer', () => {
    const inScope = scoreConfidence([{ ...hit('a', 12, 0.5), similarity: 0.4, outOfScope: 0 }]);
    const outside = scoreConfidence([{ ...hit('a', 12, 0.5), similarity: 0.4, outOfScope: 0.2 }]);
    expect(levelOf(inScope)).toBe('middle');
    expect(levelOf(outside)).toBe('low');
  });
});

describe('levelOf', () => {
  it('maps confidences to levels at the thresholds', () => {
    expect(levelOf(CONFIDENCE_THRESHOLDS.high)).toBe('high');
    expect(levelOf(CONFIDENCE_THRESHOLDS.high - 0.01)).toBe('middle');
    expect(levelOf(CONFIDENCE_THRESHOLDS.middle)).toBe('middle');
    expect(levelOf(CONFIDENCE_THRESHOLDS.middle - 0.01)).toBe('low');
  });
});

describe('composeAnswer', () => {
  it('answers with the top entry at high confidence', () => {
    const answer = composeAnswer({ hits: [hit('a', 30), hit('b', 5)], locale: 'pt-BR' });
    expect(answer).toMatchObject({ level: 'high', locale: 'pt-BR', text: 'Resposta a.' });
    expect(answer.citations).toEqual([
      { id: 'a', title: 'Pergunta a?', url: 'https://www.lojaexemplo.com.br/ajuda/a' },
    ]);
  });

  it('adds a "see also" when the second entry is close', () => {
    const answer = composeAnswer({ hits: [hit('a', 40), hit('b', 26)], locale: 'en' });
    expect(answer.level).toBe('high');
    expect(answer.text).toBe('Answer a.\n\nSee also: Question b?');
    expect(answer.citations.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('asks the shopper to confirm at middle confidence', () => {
    const pt = composeAnswer({ hits: [hit('a', 8), hit('b', 7)], locale: 'pt-BR' });
    expect(pt.level).toBe('middle');
    expect(pt.text).toContain('Resposta a.');
    expect(pt.text).toContain('Era isso que você queria saber?');
    expect(pt.citations.map((c) => c.id)).toEqual(['a']);
    const en = composeAnswer({ hits: [hit('a', 8), hit('b', 7)], locale: 'en' });
    expect(en.text).toContain('Is that what you meant?');
  });

  it('offers a human at low confidence, citing nothing', () => {
    const answer = composeAnswer({ hits: [hit('a', 2, 0.2)], locale: 'pt-BR' });
    expect(answer.level).toBe('low');
    expect(answer.text).toMatch(/atendente humano/);
    expect(answer.text).not.toContain('Resposta a.');
    expect(answer.citations).toEqual([]);
    expect(composeAnswer({ hits: [], locale: 'en' }).text).toMatch(/human agent/);
  });

  it('opens with an empathetic sentence for upset shoppers', () => {
    const answer = composeAnswer({ hits: [hit('a', 30)], locale: 'pt-BR', tone: 'negative' });
    expect(answer.text.startsWith(empathyPreamble('pt-BR'))).toBe(true);
    expect(composeAnswer({ hits: [hit('a', 30)], locale: 'pt-BR', tone: 'neutral' }).text).toBe(
      'Resposta a.',
    );
  });
});

describe('chunkForStreaming', () => {
  it('splits into groups of a few words that concatenate back to the text', () => {
    const text = 'O prazo de entrega começa a contar após a confirmação do pagamento.\n\nVeja também: frete.';
    const chunks = chunkForStreaming(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) expect(chunk.trim().split(/\s+/).length).toBeLessThanOrEqual(3);
  });

  it('honours wordsPerChunk and edge cases', () => {
    expect(chunkForStreaming('a b c d', { wordsPerChunk: 2 })).toEqual(['a b ', 'c d']);
    expect(chunkForStreaming('')).toEqual([]);
    expect(chunkForStreaming('  ')).toEqual(['  ']);
  });
});
