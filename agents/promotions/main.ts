import { loadAgentConfig, runAgent } from '../runtime/index.js';
import { createDemoCatalogue, loadOffersFile } from './catalogue.js';
import { loadPromotionsConfig } from './config.js';
import { createPromotionsExecutor } from './executor.js';

const config = loadAgentConfig(process.env, { name: 'promotions', port: 9104 });
const promotions = loadPromotionsConfig(process.env);
const now = () => new Date();

await runAgent({
  config,
  createExecutor: async ({ logger }) => {
    const file = promotions.PROMOTIONS_OFFERS_FILE;
    const catalogue = file ? await loadOffersFile(file) : createDemoCatalogue({ now });
    logger.info({ source: file ?? 'demo' }, 'offer source');
    return createPromotionsExecutor({ catalogue, logger, now });
  },
});
