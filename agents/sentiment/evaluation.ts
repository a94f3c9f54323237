import { parseCsvRecords } from './csv.js';
import { computeMetrics, type EvaluationMetrics } from './metrics.js';
import { type SentimentClassifier, type SentimentLabel, sentimentLabelSchema } from './sentiment.js';

/** Error of an evaluation file that cannot be used (missing columns, unknown labels). */
export class EvaluationFileError extends Error {
  override name = 'EvaluationFileError';
}

/** One labelled row of an evaluation file. */
export interface LabelledText {
  id: string;
  label: SentimentLabel;
  text: string;
}

/** Reads labelled rows from CSV text with at least the columns `id,label,text` (others are ignored). */
export function readLabelledCsv(csv: string): LabelledText[] {
  const { columns, records } = parseCsvRecords(csv);
  const missing = ['id', 'label', 'text'].filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new EvaluationFileError(
      `missing column(s) ${missing.join(', ')}; found: ${columns.join(', ') || '(none)'}`,
    );
  }
  return records.map((r, i) => {
    const label = sentimentLabelSchema.safeParse(r.label?.trim());
    if (!label.success) throw new EvaluationFileError(`row ${i + 2}: unknown label "${r.label}"`);
    return { id: r.id ?? '', label: label.data, text: r.text ?? '' };
  });
}

/** Classifies every row with `classifier` (a few at a time) and computes the metrics. */
export async function evaluate(options: {
  rows: readonly LabelledText[];
  classifier: SentimentClassifier;
  concurrency?: number;
}): Promise<EvaluationMetrics & { methods: Record<string, number> }> {
  const { rows, classifier } = options;
  const predicted: SentimentLabel[] = new Array(rows.length);
  const methods: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      const result = await classifier.classify((rows[i] as LabelledText).text);
      predicted[i] = result.label;
      methods[result.method] = (methods[result.method] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  const metrics = computeMetrics(
    rows.map((r, i) => ({ actual: r.label, predicted: predicted[i] as SentimentLabel })),
  );
  return { ...metrics, methods };
}
