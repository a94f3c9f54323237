// Prints accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix of a labelled CSV.
// Usage: tsx agents/sentiment/evaluate.ts <file.csv> [--ollama]
//   --ollama  classify with the model in OLLAMA_HOST / OLLAMA_MODEL (embedded fallback on failure).
// Exit codes: 0 done, 2 unusable file or arguments.
import { readFileSync } from 'node:fs';
import { createSentimentClassifier } from './classifier.js';
import { loadSentimentConfig } from './config.js';
import { CsvError } from './csv.js';
import { EvaluationFileError, evaluate, readLabelledCsv } from './evaluation.js';
import { formatMetrics } from './metrics.js';

function fail(message: string): never {
  process.stderr.write(`evaluate: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const useOllama = args.includes('--ollama');
const file = args.find((a) => !a.startsWith('--'));
if (!file) fail('usage: tsx agents/sentiment/evaluate.ts <file.csv> [--ollama]');

let csv: string;
try {
  csv = readFileSync(file, 'utf8');
} catch (error) {
  fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
}

let rows: ReturnType<typeof readLabelledCsv>;
try {
  rows = readLabelledCsv(csv);
} catch (error) {
  if (error instanceof EvaluationFileError || error instanceof CsvError) fail(`${file}: ${error.message}`);
  throw error;
}
if (rows.length === 0) fail(`${file}: no rows`);

const config = loadSentimentConfig(useOllama ? process.env : {});
if (useOllama && !config.ollama) fail('--ollama needs OLLAMA_HOST (and optionally OLLAMA_MODEL)');
const classifier = createSentimentClassifier({ config });
const started = performance.now();
const result = await evaluate({ rows, classifier });
const ms = performance.now() - started;

process.stdout.write(`file: ${file}\n`);
process.stdout.write(
  `classifier: ${useOllama ? `ollama ${config.ollama?.model} (fallback lexicon)` : 'lexicon'}; answered by ${Object.entries(
    result.methods,
  )
    .map(([m, n]) => `${m} ${n}`)
    .join(', ')}; ${(ms / rows.length).toFixed(2)} ms/row\n`,
);
process.stdout.write(`${formatMetrics(result)}\n`);
