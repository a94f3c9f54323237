import type { LabelledText } from './evaluation.js';
import { stratifiedFolds } from './folds.js';
import { computeMetrics, type EvaluationMetrics, metricsFromConfusion } from './metrics.js';
import { SENTIMENT_LABELS, type SentimentLabel } from './sentiment.js';

/** Fits whatever a classifier fits on the training rows and returns its predictor. */
export type FitProcedure = (train: readonly LabelledText[]) => (text: string) => SentimentLabel;

/** Mean and sample standard deviation of a figure over the folds. */
export interface Spread {
  mean: number;
  sd: number;
}

/** The figures of a k-fold run: each held-out fold, their spread, and the pooled confusion of all held-out rows. */
export interface CrossValidationResult {
  k: number;
  seed: number;
  folds: Array<EvaluationMetrics & { train: number }>;
  macroF1: Spread;
  accuracy: Spread;
  f1: Record<SentimentLabel, Spread>;
  pooled: EvaluationMetrics;
}

function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * Stratified k-fold cross-validation: for each fold, `procedure` sees only the other k−1 folds and the fold is scored
 * with what it returned. Every row is scored exactly once, by a model that never saw it.
 */
export function crossValidate(options: {
  rows: readonly LabelledText[];
  k: number;
  seed: number;
  procedure: FitProcedure;
}): CrossValidationResult {
  const { rows, k, seed, procedure } = options;
  const fold = stratifiedFolds(rows, { k, seed });
  const folds: CrossValidationResult['folds'] = [];
  const pooled = SENTIMENT_LABELS.map(() => SENTIMENT_LABELS.map(() => 0));
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const test = rows.filter((_, i) => fold[i] === f);
    const predict = procedure(train);
    const metrics = computeMetrics(test.map((r) => ({ actual: r.label, predicted: predict(r.text) })));
    metrics.confusion.forEach((row, a) => {
      row.forEach((n, p) => {
        (pooled[a] as number[])[p] = ((pooled[a] as number[])[p] ?? 0) + n;
      });
    });
    folds.push({ ...metrics, train: train.length });
  }
  return {
    k,
    seed,
    folds,
    macroF1: spread(folds.map((m) => m.macroF1)),
    accuracy: spread(folds.map((m) => m.accuracy)),
    f1: Object.fromEntries(
      SENTIMENT_LABELS.map((l) => [l, spread(folds.map((m) => m.perClass[l].f1))]),
    ) as Record<SentimentLabel, Spread>,
    pooled: metricsFromConfusion(pooled),
  };
}

/** Renders a k-fold run: one line per held-out fold, mean ± sd, and the pooled metrics and confusion matrix. */
export function formatCrossValidation(
  result: CrossValidationResult,
  formatPooled: (m: EvaluationMetrics) => string,
) {
  const x = (n: number) => n.toFixed(3);
  const pm = (s: Spread) => `${x(s.mean)} ± ${x(s.sd)}`;
  return [
    `${result.k}-fold stratified cross-validation, seed ${result.seed} (fit on k−1 folds, score the held-out fold)`,
    '',
    'fold  train  test  accuracy  macro-F1  F1 negative  F1 neutral  F1 positive',
    ...result.folds.map(
      (m, i) =>
        `${String(i + 1).padEnd(6)}${String(m.train).padEnd(7)}${String(m.total).padEnd(6)}${x(m.accuracy).padEnd(10)}${x(m.macroF1).padEnd(10)}${x(m.perClass.negative.f1).padEnd(13)}${x(m.perClass.neutral.f1).padEnd(12)}${x(m.perClass.positive.f1)}`,
    ),
    `mean ± sd: accuracy ${pm(result.accuracy)}, macro-F1 ${pm(result.macroF1)}, F1 negative ${pm(result.f1.negative)}, neutral ${pm(result.f1.neutral)}, positive ${pm(result.f1.positive)}`,
    '',
    'pooled over the held-out folds:',
    formatPooled(result.pooled),
  ].join('\n');
}
