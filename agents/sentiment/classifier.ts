import type { Logger } from '../runtime/index.js';
import type { SentimentConfig } from './config.js';
import { createLexiconClassifier } from './lexicon.js';
import { createOllamaClassifier } from './ollama-classifier.js';
import type { SentimentClassifier } from './sentiment.js';

/** Builds the configured classifier: Ollama with the embedded fallback when configured, else the embedded one. */
export function createSentimentClassifier(options: {
  config: SentimentConfig;
  logger?: Logger;
  fetch?: typeof fetch;
}): SentimentClassifier {
  const lexicon = createLexiconClassifier();
  const { ollama } = options.config;
  if (!ollama) return lexicon;
  return createOllamaClassifier({
    ...ollama,
    fallback: lexicon,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
