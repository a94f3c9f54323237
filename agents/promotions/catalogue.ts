import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { demoOffers } from './demo-offers.js';
import { type Offer, offerCatalogueSchema } from './offer.js';

/** Where offers come from; it lists every offer, current or not (the executor picks the current ones). */
export interface OfferCatalogue {
  listOffers(): Promise<Offer[]>;
}

/** The demo shop's offers, dated relative to `now` at each call. */
export function createDemoCatalogue(options: { now: () => Date }): OfferCatalogue {
  return { listOffers: async () => demoOffers(options.now()) };
}

/** A catalogue of fixed offers. */
export function createStaticCatalogue(offers: readonly Offer[]): OfferCatalogue {
  return { listOffers: async () => [...offers] };
}

/** Reads a shop's offers from a JSON file (an array of offers with absolute dates); throws listing every problem. */
export async function loadOffersFile(path: string): Promise<OfferCatalogue> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the offers file ${path}: ${String(error)}`);
  }
  const result = offerCatalogueSchema.safeParse(json);
  if (!result.success) {
    throw new Error(`${path} is not a valid offers file:\n${z.prettifyError(result.error)}`);
  }
  return createStaticCatalogue(result.data);
}
