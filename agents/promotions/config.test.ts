import { describe, expect, it } from 'vitest';
import { loadPromotionsConfig } from './config.js';

describe('loadPromotionsConfig', () => {
  it('uses the demo offers when PROMOTIONS_OFFERS_FILE is unset or empty', () => {
    expect(loadPromotionsConfig({})).toEqual({});
    expect(loadPromotionsConfig({ PROMOTIONS_OFFERS_FILE: '' })).toEqual({});
  });

  it('reads the offers file path', () => {
    expect(loadPromotionsConfig({ PROMOTIONS_OFFERS_FILE: 'data/offers.json' })).toEqual({
      PROMOTIONS_OFFERS_FILE: 'data/offers.json',
    });
  });
});
