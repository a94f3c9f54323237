import { SENTIMENT_LABELS, type SentimentLabel } from './sentiment.js';

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Classification metrics of a run: `confusion[actual][predicted]` in `SENTIMENT_LABELS` order. */
export interface EvaluationMetrics {
  total: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<SentimentLabel, ClassMetrics>;
  confusion: number[][];
}

/** Builds the 3×3 confusion matrix (rows actual, columns predicted) from pairs of labels. */
export function confusionMatrix(pairs: ReadonlyArray<{ actual: SentimentLabel; predicted: SentimentLabel }>) {
  const matrix = SENTIMENT_LABELS.map(() => SENTIMENT_LABELS.map(() => 0));
  for (const { actual, predicted } of pairs) {
    const row = matrix[SENTIMENT_LABELS.indexOf(actual)] as number[];
    row[SENTIMENT_LABELS.indexOf(predicted)] = (row[SENTIMENT_LABELS.indexOf(predicted)] ?? 0) + 1;
  }
  return matrix;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);

/** Computes accuracy, per-class precision/recall/F1 (0 where undefined) and macro-F1 from a confusion matrix. */
export function metricsFromConfusion(confusion: number[][]): EvaluationMetrics {
  const cell = (a: number, p: number) => confusion[a]?.[p] ?? 0;
  const n = SENTIMENT_LABELS.length;
  let total = 0;
  let correct = 0;
  const perClass = {} as Record<SentimentLabel, ClassMetrics>;
  for (let k = 0; k < n; k++) {
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < n; j++) {
      predicted += cell(j, k);
      support += cell(k, j);
      total += cell(k, j);
    }
    correct += cell(k, k);
    const precision = ratio(cell(k, k), predicted);
    const recall = ratio(cell(k, k), support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    perClass[SENTIMENT_LABELS[k] as SentimentLabel] = { precision, recall, f1, support };
  }
  const macroF1 = SENTIMENT_LABELS.reduce((sum, l) => sum + perClass[l].f1, 0) / n;
  return { total, accuracy: ratio(correct, total), macroF1, perClass, confusion };
}

/** Computes all metrics from pairs of actual and predicted labels. */
export function computeMetrics(
  pairs: ReadonlyArray<{ actual: SentimentLabel; predicted: SentimentLabel }>,
): EvaluationMetrics {
  return metricsFromConfusion(confusionMatrix(pairs));
}

/** Renders metrics as a plain-text report: accuracy, per-class table, macro-F1 and confusion matrix. */
export function formatMetrics(metrics: EvaluationMetrics): string {
  const pct = (x: number) => x.toFixed(3);
  const lines = [
    `rows: ${metrics.total}`,
    `accuracy: ${pct(metrics.accuracy)}`,
    '',
    'class       precision  recall  f1     support',
    ...SENTIMENT_LABELS.map((l) => {
      const m = metrics.perClass[l];
      return `${l.padEnd(12)}${pct(m.precision).padEnd(11)}${pct(m.recall).padEnd(8)}${pct(m.f1).padEnd(7)}${m.support}`;
    }),
    '',
    `macro-F1: ${pct(metrics.macroF1)}`,
    '',
    'confusion (rows actual, columns predicted)',
    `${''.padEnd(12)}${SENTIMENT_LABELS.map((l) => l.padStart(10)).join('')}`,
    ...SENTIMENT_LABELS.map(
      (l, i) => `${l.padEnd(12)}${(metrics.confusion[i] ?? []).map((c) => String(c).padStart(10)).join('')}`,
    ),
  ];
  return lines.join('\n');
}
