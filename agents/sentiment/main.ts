import { loadAgentConfig, runAgent } from '../runtime/index.js';
import { createSentimentClassifier } from './classifier.js';
import { loadSentimentConfig } from './config.js';
import { createSentimentExecutor } from './executor.js';

const config = loadAgentConfig(process.env, { name: 'sentiment', port: 9102 });
const sentiment = loadSentimentConfig(process.env);

await runAgent({
  config,
  createExecutor: ({ logger }) => {
    logger.info(
      sentiment.ollama ? { ollama: sentiment.ollama.host, model: sentiment.ollama.model } : { ollama: false },
      sentiment.ollama
        ? 'classifying with Ollama, embedded fallback'
        : 'classifying with the embedded lexicon',
    );
    return createSentimentExecutor({
      classifier: createSentimentClassifier({ config: sentiment, logger }),
      logger,
    });
  },
});
