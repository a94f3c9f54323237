export { discountLabel, type OfferView, toOfferView } from './answer.js';
export {
  createDemoCatalogue,
  createStaticCatalogue,
  loadOffersFile,
  type OfferCatalogue,
} from './catalogue.js';
export { loadPromotionsConfig, type PromotionsConfig, promotionsConfigSchema } from './config.js';
export { demoOffers } from './demo-offers.js';
export { createPromotionsExecutor, PROMOTIONS_SCOPE, type PromotionsExecutorOptions } from './executor.js';
export {
  currentOffers,
  type Discount,
  discountSchema,
  type Localized,
  type Offer,
  offerCatalogueSchema,
  offerSchema,
} from './offer.js';
