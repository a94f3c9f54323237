import { describe, expect, it } from 'vitest';
import {
  analyseText,
  classifyByLexicon,
  createLexiconClassifier,
  detectLocale,
  LEXICON_FEATURES,
} from './lexicon.js';
import { LEXICON_MODEL } from './lexicon-model.js';

const label = (text: string) => classifyByLexicon(text).label;

describe('classifyByLexicon', () => {
  it('reads clear praise and clear complaints in pt-BR and English', () => {
    expect(label('Chegou antes do prazo, amei!')).toBe('positive');
    expect(label('Péssimo atendimento, ninguém responde')).toBe('negative');
    expect(label('Great service, thank you so much!')).toBe('positive');
    expect(label('The package arrived damaged and the screen is cracked')).toBe('negative');
  });

  it('treats plain questions as neutral', () => {
    expect(label('Qual o prazo de entrega para o CEP 01310-100?')).toBe('neutral');
    expect(label('Do you accept PayPal?')).toBe('neutral');
    expect(label('Como faço para trocar um produto?')).toBe('neutral');
  });

  it('flips praise under negation, and softens negated complaints', () => {
    expect(label('o produto é bom')).not.toBe('negative');
    expect(label('o produto não é bom')).toBe('negative');
    expect(label('nunca foi bom, jamais recomendaria')).toBe('negative');
    expect(label('This is not good at all')).toBe('negative');
    expect(classifyByLexicon('não é ruim').scores.negative).toBeLessThan(
      classifyByLexicon('é ruim').scores.negative,
    );
    expect(label('a geladeira chegou sem nenhum defeito, tudo perfeito')).toBe('positive');
  });

  it('strengthens with intensifiers and weakens with diminishers', () => {
    const plain = classifyByLexicon('o atendimento foi bom').scores.positive;
    const intense = classifyByLexicon('o atendimento foi muito bom').scores.positive;
    expect(intense).toBeGreaterThan(plain);
    expect(classifyByLexicon('very bad').scores.negative).toBeGreaterThan(
      classifyByLexicon('a bit bad').scores.negative,
    );
    expect(classifyByLexicon('PÉSSIMO!!!').confidence).toBeGreaterThanOrEqual(
      classifyByLexicon('péssimo').confidence,
    );
  });

  it('weighs the clause after a contrast and keeps mixed messages neutral', () => {
    expect(label('o produto é bom, mas a entrega demorou um pouco')).toBe('neutral');
    expect(label('A cor é um pouco diferente, porém serve')).not.toBe('positive');
    expect(label('The product is fine, but the box was a bit dented')).toBe('neutral');
  });

  it('is accent-insensitive and tolerates repeated letters and typos', () => {
    expect(label('pessimo, nao chegou ate agora')).toBe('negative');
    expect(label('ameiiii, ficou otimoooo')).toBe('positive');
    expect(classifyByLexicon('Péssimo').label).toBe(classifyByLexicon('PESSIMO').label);
  });

  it('reads e-commerce complaints without strong words', () => {
    expect(label('meu pedido não chegou')).toBe('negative');
    expect(label('cadê meu pedido? até agora nada')).toBe('negative');
    expect(label('veio com defeito, quero devolução')).toBe('negative');
    expect(label('isso é enganação')).toBe('negative');
  });

  it('knows Brazilian internet slang', () => {
    expect(label('produto top, entrega show')).toBe('positive');
    expect(label('massa demais, valeu')).toBe('positive');
    expect(label('que produto zoado')).toBe('negative');
    expect(label('atendimento uma bosta')).toBe('negative');
  });

  it('reads emoji and emoticons', () => {
    expect(label('chegou hoje 😍')).toBe('positive');
    expect(label('chegou hoje 😡')).toBe('negative');
    expect(label('recebi :(')).toBe('negative');
  });

  it('catches sarcasm cues', () => {
    expect(label('Ótimo, mais um atraso')).toBe('negative');
    expect(label('Que maravilha, pela terceira vez o entregador não veio')).toBe('negative');
    expect(label('Show de bola, só que não')).toBe('negative');
    expect(label('Adorei esperar 20 dias por um pedido que nem chegou')).toBe('negative');
    expect(label('Great, another delay. Thanks a lot')).toBe('negative');
    expect(label('Oh wonderful, my order got cancelled again')).toBe('negative');
    // Not sarcasm: praise with no complaint around it.
    expect(label('Ótimo, chegou tudo certo!')).toBe('positive');
  });

  it('returns probabilities that sum to 1, a confidence equal to the top one, and the locale', () => {
    for (const text of ['', 'ok', 'muito bom!', 'horrível', 'Where is my order?']) {
      const r = classifyByLexicon(text);
      const sum = r.scores.negative + r.scores.neutral + r.scores.positive;
      expect(sum).toBeCloseTo(1, 2);
      expect(r.confidence).toBeCloseTo(Math.max(r.scores.negative, r.scores.neutral, r.scores.positive), 3);
      expect(r.method).toBe('lexicon');
    }
    expect(classifyByLexicon('').label).toBe('neutral');
    expect(classifyByLexicon('Where is my order?').locale).toBe('en');
    expect(classifyByLexicon('Onde está meu pedido?').locale).toBe('pt-BR');
    expect(classifyByLexicon('ok', { locale: 'en-US' }).locale).toBe('en');
  });

  it('reads "no" as a Portuguese word in Portuguese text', () => {
    expect(label('Chegou no prazo e é muito bom')).toBe('positive');
  });
});

describe('detectLocale', () => {
  it('tells pt-BR from English, defaulting to pt-BR', () => {
    expect(detectLocale('my order has not arrived yet')).toBe('en');
    expect(detectLocale('meu pedido ainda não chegou')).toBe('pt-BR');
    expect(detectLocale('')).toBe('pt-BR');
  });
});

describe('createLexiconClassifier', () => {
  it('resolves the same result as the synchronous function', async () => {
    const classifier = createLexiconClassifier();
    await expect(classifier.classify('Péssimo!')).resolves.toEqual(classifyByLexicon('Péssimo!'));
  });
});

describe('analyseText', () => {
  it('moves negated praise and negated complaints to their own inputs, and counts the negators', () => {
    const plain = analyseText('o produto é bom', { locale: 'pt-BR' });
    const negated = analyseText('o produto não é bom', { locale: 'pt-BR' });
    expect(plain.positive).toBeGreaterThan(0);
    expect(negated.positive).toBe(0);
    expect(negated.negatedPraise).toBe(plain.positive);
    expect(negated.negators).toBe(1);
    expect(analyseText('não é ruim', { locale: 'pt-BR' }).negatedComplaint).toBeGreaterThan(0);
    expect(analyseText('chegou sem nenhum defeito', { locale: 'pt-BR' }).absentComplaint).toBeGreaterThan(0);
    expect(analyseText('This is not good at all', { locale: 'en' }).negatedPraise).toBeGreaterThan(0);
  });

  it('scales sentiment words by intensifiers and diminishers, and marks emphasis', () => {
    const plain = analyseText('o atendimento foi bom').positive;
    expect(analyseText('o atendimento foi muito bom').positive).toBeGreaterThan(plain);
    const softened = analyseText('a cor é um pouco ruim');
    expect(softened.negative).toBeLessThan(analyseText('a cor é ruim').negative);
    expect(softened.diminished).toBe(1);
    expect(analyseText('PÉSSIMO').emphaticNegative).toBeGreaterThan(0);
    expect(analyseText('ameiiii').emphaticPositive).toBeGreaterThan(0);
  });

  it('counts emoji as sentiment words and weighs "!!!" by its marks, up to three', () => {
    expect(analyseText('chegou hoje 😍').positive).toBeGreaterThan(0);
    expect(analyseText('chegou hoje 😡').negative).toBeGreaterThan(0);
    expect(analyseText('chegou hoje').positive + analyseText('chegou hoje').negative).toBe(0);
    const one = analyseText('péssimo!');
    const three = analyseText('péssimo!!!');
    expect(three.exclaimedNegative).toBe(3 * one.exclaimedNegative);
    expect(analyseText('péssimo!!!!!!').exclaimedNegative).toBe(three.exclaimedNegative);
    expect(three.exclamations).toBe(3);
    // A question is not an exclamation, even with marks.
    expect(analyseText('péssimo?!').exclaimedNegative).toBe(0);
  });

  it('reads the AFINN-pt lexicon of @nlpjs/lang-pt, with negation, in Portuguese text only', () => {
    expect(analyseText('gostei', { locale: 'pt-BR' }).afinnPositive).toBeGreaterThan(0);
    const negated = analyseText('não gostei', { locale: 'pt-BR' });
    expect(negated.afinnPositive).toBe(0);
    expect(negated.afinnNegative).toBeGreaterThan(0);
    expect(analyseText('I liked it', { locale: 'en' }).afinnPositive).toBe(0);
  });

  it('makes the shipped weights match the analysis, input for input', () => {
    expect(LEXICON_MODEL.features).toEqual([...LEXICON_FEATURES]);
    expect(LEXICON_MODEL.weights.map((row) => row.length)).toEqual([
      LEXICON_FEATURES.length,
      LEXICON_FEATURES.length,
      LEXICON_FEATURES.length,
    ]);
  });
});
