// Prints accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix of a labelled CSV.
// Usage: tsx agents/sentiment/evaluate.ts <file.csv> [--ollama | --kfold K [--seed S] | --fit]
//   --ollama    classify with the model in OLLAMA_HOST / OLLAMA_MODEL (embedded fallback on failure).
//   --kfold K   stratified K-fold cross-validation of the embedded classifier: fit its weights on K−1 folds (see
//               fit.ts), score the held-out fold; per-fold figures, mean ± sd and the pooled confusion matrix.
//   --seed S    seed of the fold split (default 20261124).
//   --fit       fit the weights on the whole file and print the module lexicon-model.ts.
// Exit codes: 0 done, 2 unusable file or arguments.
import { readFileSync } from 'node:fs';
import { createSentimentClassifier } from './classifier.js';
import { loadSentimentConfig } from './config.js';
import { crossValidate, formatCrossValidation } from './cross-validation.js';
import { CsvError } from './csv.js';
import { EvaluationFileError, evaluate, readLabelledCsv } from './evaluation.js';
import { fitLexiconModel, formatModelModule } from './fit.js';
import { classifyByLexicon } from './lexicon.js';
import { formatMetrics } from './metrics.js';

function fail(message: string): never {
  process.stderr.write(`evaluate: ${message}\n`);
  process.exit(2);
}

const USAGE = 'usage: tsx agents/sentiment/evaluate.ts <file.csv> [--ollama | --kfold K [--seed S] | --fit]';
const args = process.argv.slice(2);
const useOllama = args.includes('--ollama');
const fitOnly = args.includes('--fit');
/** The value after a flag, which is then not the file name. */
function option(name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a value\n${USAGE}`);
  return value;
}
const kfold = option('--kfold');
const seedText = option('--seed');
const values = new Set([kfold, seedText]);
const file = args.find((a, i) => !a.startsWith('--') && !(values.has(a) && args[i - 1]?.startsWith('--')));
if (!file) fail(USAGE);
if ([useOllama, fitOnly, kfold !== undefined].filter(Boolean).length > 1) fail(`choose one mode\n${USAGE}`);
const k = kfold === undefined ? undefined : Number(kfold);
if (k !== undefined && !(Number.isInteger(k) && k >= 2))
  fail(`--kfold needs an integer of at least 2; got ${kfold}`);
const seed = seedText === undefined ? 20261124 : Number(seedText);
if (!Number.isInteger(seed)) fail(`--seed needs an integer; got ${seedText}`);

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

if (fitOnly) {
  const provenance = `Fitted on ${rows.length} rows of ${file.split('/').pop()}.`;
  process.stdout.write(formatModelModule(fitLexiconModel(rows), provenance));
  process.exit(0);
}

if (k !== undefined) {
  if (k > rows.length) fail(`--kfold ${k} is more than the ${rows.length} rows`);
  const started = performance.now();
  const result = crossValidate({
    rows,
    k,
    seed,
    procedure: (train) => {
      const model = fitLexiconModel(train);
      return (text) => classifyByLexicon(text, { model }).label;
    },
  });
  process.stdout.write(`file: ${file}\nclassifier: lexicon, weights refitted on each training split\n`);
  process.stdout.write(`${formatCrossValidation(result, formatMetrics)}\n`);
  process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.exit(0);
}

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
