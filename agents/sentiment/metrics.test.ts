import { describe, expect, it } from 'vitest';
import { computeMetrics, confusionMatrix, formatMetrics, metricsFromConfusion } from './metrics.js';
import type { SentimentLabel } from './sentiment.js';

const pairs = (list: Array<[SentimentLabel, SentimentLabel]>) =>
  list.map(([actual, predicted]) => ({ actual, predicted }));

describe('metrics', () => {
  it('builds the confusion matrix with rows actual and columns predicted', () => {
    expect(
      confusionMatrix(
        pairs([
          ['negative', 'negative'],
          ['negative', 'neutral'],
          ['positive', 'neutral'],
        ]),
      ),
    ).toEqual([
      [1, 1, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('computes accuracy, per-class precision/recall/F1 and macro-F1', () => {
    // negative: 2 right, 1 called neutral; neutral: 1 right, 1 called positive; positive: 2 right.
    const m = metricsFromConfusion([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(m.total).toBe(7);
    expect(m.accuracy).toBeCloseTo(5 / 7);
    expect(m.perClass.negative).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(m.perClass.neutral.precision).toBeCloseTo(0.5);
    expect(m.perClass.neutral.recall).toBeCloseTo(0.5);
    expect(m.perClass.neutral.f1).toBeCloseTo(0.5);
    expect(m.perClass.positive.precision).toBeCloseTo(2 / 3);
    expect(m.perClass.positive.recall).toBe(1);
    expect(m.perClass.positive.f1).toBeCloseTo(0.8);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 0.8) / 3);
  });

  it('gives 0 (not NaN) for classes never predicted or absent', () => {
    const m = computeMetrics(pairs([['negative', 'negative']]));
    expect(m.perClass.neutral).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macroF1).toBeCloseTo(1 / 3);
    expect(computeMetrics([]).accuracy).toBe(0);
  });

  it('formats a report with every figure', () => {
    const text = formatMetrics(computeMetrics(pairs([['positive', 'positive']])));
    expect(text).toContain('accuracy: 1.000');
    expect(text).toContain('macro-F1: 0.333');
    expect(text).toMatch(/positive\s+0\s+0\s+1/);
  });
});
