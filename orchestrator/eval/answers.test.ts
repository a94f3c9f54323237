import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../../agents/assistant/knowledge-base.js';
import {
  type LabelledMessage,
  labelProblems,
  loadAnswerSet,
  NO_FAQ,
  parseAnswerSet,
  splitOf,
} from './answer-set.js';
import { createAnswerEvaluator, evaluateAnswers, formatReport, loadAgentCards } from './evaluate.js';

const root = new URL('../../', import.meta.url);
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

describe('the labelled answers set', async () => {
  const rows = await loadAnswerSet();
  const cards = await loadAgentCards(new URL('agent-cards/', root));
  const entries = await loadKnowledgeBase(new URL('agents/assistant/faq.json', root));

  it('has at least 320 messages, two thirds of them in pt-BR, the rest in English', () => {
    expect(rows.length).toBeGreaterThanOrEqual(320);
    const pt = rows.filter((r) => r.language === 'pt-BR').length;
    expect(pt * 3).toBeGreaterThanOrEqual(rows.length * 2);
    expect(rows.some((r) => r.language === 'en')).toBe(true);
  });

  it('is labelled with FAQ ids and skill ids that exist', () => {
    const skillIds = cards.flatMap(({ card }) => card.skills.map((s) => s.id));
    expect(labelProblems(rows, { faqIds: entries.map((e) => e.id), skillIds })).toEqual([]);
    // The sentiment skill runs on every message and is never part of the answering set.
    expect(rows.some((r) => r.skills.includes('classify-sentiment'))).toBe(false);
  });

  it('copies no question or paraphrase of the FAQ and no example of the cards', async () => {
    const orchestratorCard = JSON.parse(
      await readFile(new URL('agent-cards/orchestrator.json', root), 'utf8'),
    );
    const taken = new Set(
      [
        // The questions and, where the knowledge base has them, the paraphrases it indexes.
        ...entries.flatMap((e) => {
          const { paraphrases } = e as { paraphrases?: { pt?: string[]; en?: string[] } };
          return [e.question.pt, e.question.en, ...(paraphrases?.pt ?? []), ...(paraphrases?.en ?? [])];
        }),
        ...[...cards.map((c) => c.card), orchestratorCard].flatMap((card: (typeof cards)[number]['card']) =>
          card.skills.flatMap((s) => s.examples ?? []),
        ),
      ].map(fold),
    );
    expect(rows.filter((r) => taken.has(fold(r.text))).map((r) => r.text)).toEqual([]);
  });

  it('splits by a fixed rule into two halves of about the same size', () => {
    expect(splitOf('pt-001')).toBe(splitOf('pt-001'));
    const dev = rows.filter((r) => splitOf(r.id) === 'dev').length;
    expect(dev / rows.length).toBeGreaterThan(0.4);
    expect(dev / rows.length).toBeLessThan(0.6);
  });

  it('names a bad row and a bad label', () => {
    expect(() => parseAnswerSet('{"id":"pt-001","text":"oi"}\n')).toThrow(/line 1/);
    const bad: LabelledMessage = {
      id: 'pt-999',
      text: 'x',
      role: 'guest',
      language: 'pt-BR',
      skills: ['order-status', 'no-such-skill'],
      faq: 'no-such-entry',
    };
    expect(labelProblems([bad], { faqIds: [], skillIds: ['order-status'] })).toEqual([
      'pt-999: unknown FAQ id no-such-entry',
      'pt-999: unknown skill no-such-skill',
      'pt-999: a FAQ entry on a message the FAQ skill does not answer',
    ]);
  });

  it('evaluates every split over the set in-process, with consistent figures and misses', async () => {
    const evaluator = createAnswerEvaluator({ cards, entries });
    const [dev, test, all] = await evaluateAnswers(evaluator, rows, ['dev', 'test', 'all']);
    if (!dev || !test || !all) throw new Error('a split is missing');
    expect(dev.messages + test.messages).toBe(rows.length);
    expect(all.messages).toBe(rows.length);
    for (const report of [dev, test, all]) {
      expect(report.language.total).toBe(report.messages);
      expect(report.language.total - report.language.hits).toBe(report.misses.language.length);
      expect(report.routing.total - report.routing.hits).toBe(report.misses.routing.length);
      const confused = Object.values(report.confusion).flatMap((line) => Object.values(line));
      expect(confused.reduce((a, b) => a + b, 0)).toBe(report.messages);
      expect(report.retrieval.hitAt3.hits).toBeGreaterThanOrEqual(report.retrieval.hitAt1.hits);
      const faqRows = rows.filter(
        (r) => (report.split === 'all' || splitOf(r.id) === report.split) && r.skills.includes('faq-answer'),
      );
      expect(report.retrieval.hitAt1.total).toBe(faqRows.filter((r) => r.faq !== NO_FAQ).length);
      expect(report.notFound.recall.total).toBe(faqRows.filter((r) => r.faq === NO_FAQ).length);
      for (const r of [report.language, report.routing, report.retrieval.hitAt1, report.notFound.precision]) {
        if (r.rate !== null) expect(r.rate).toBeGreaterThanOrEqual(0);
        if (r.rate !== null) expect(r.rate).toBeLessThanOrEqual(1);
      }
    }
    expect(formatReport(test)).toMatch(/^== split test: \d+ messages ==\nlanguage accuracy/);
  });

  it('routes a request for a person to the desk and counts a wrong answer as a miss', async () => {
    const evaluator = createAnswerEvaluator({ cards, entries });
    const rows: LabelledMessage[] = [
      {
        id: 'xx-001',
        text: 'quero falar com um atendente humano',
        role: 'guest',
        language: 'pt-BR',
        skills: ['human-handoff'],
        faq: NO_FAQ,
      },
      {
        id: 'xx-002',
        text: 'how do I reset my password?',
        role: 'guest',
        language: 'en',
        skills: ['order-status'],
        faq: NO_FAQ,
      },
    ];
    const [all] = await evaluateAnswers(evaluator, rows, ['all']);
    expect(all?.routing.hits).toBe(1);
    expect(all?.misses.routing.map((m) => m.id)).toEqual(['xx-002']);
    expect(all?.language.hits).toBe(2);
  });
});
