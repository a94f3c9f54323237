export { createSentimentClassifier } from './classifier.js';
export { loadSentimentConfig, type SentimentConfig, sentimentConfigSchema } from './config.js';
export {
  type CrossValidationResult,
  crossValidate,
  type FitProcedure,
  formatCrossValidation,
  type Spread,
} from './cross-validation.js';
export { CsvError, csvField, parseCsv, parseCsvRecords } from './csv.js';
export { createSentimentExecutor, type SentimentAnnotation } from './executor.js';
export { fitLexiconModel, formatModelModule } from './fit.js';
export { seededRandom, stratifiedFolds } from './folds.js';
export {
  analyseText,
  classifyByLexicon,
  createLexiconClassifier,
  detectLocale,
  featureVector,
  foldText,
  LEXICON_FEATURES,
  type LexiconAnalysis,
  type LexiconFeature,
} from './lexicon.js';
export { LEXICON_MODEL } from './lexicon-model.js';
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
export {
  fitSoftmax,
  predictProbabilities,
  type SoftmaxFitOptions,
  type SoftmaxModel,
  softmax,
} from './softmax-regression.js';
