export { createSentimentClassifier } from './classifier.js';
export { loadSentimentConfig, type SentimentConfig, sentimentConfigSchema } from './config.js';
export { CsvError, csvField, parseCsv, parseCsvRecords } from './csv.js';
export { createSentimentExecutor, type SentimentAnnotation } from './executor.js';
export {
  analyseText,
  classifyByLexicon,
  createLexiconClassifier,
  DEFAULT_LEXICON_PARAMS,
  detectLocale,
  foldText,
  type LexiconAnalysis,
  type LexiconParams,
} from './lexicon.js';
export {
  type ClassMetrics,
  computeMetrics,
  confusionMatrix,
  type EvaluationMetrics,
  formatMetrics,
  metricsFromConfusion,
} from './metrics.js';
export {
  createOllamaClassifier,
  OllamaClassifierError,
  type OllamaClassifierOptions,
  ollamaAnswerSchema,
} from './ollama-classifier.js';
export {
  type ClassifyOptions,
  SENTIMENT_LABELS,
  type SentimentClassifier,
  type SentimentLabel,
  type SentimentLocale,
  type SentimentResult,
  sentimentLabelSchema,
  sentimentLocaleSchema,
  sentimentResultSchema,
  toSentimentLocale,
} from './sentiment.js';
