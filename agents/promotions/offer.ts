import { z } from 'zod';

const localizedSchema = z.object({ 'pt-BR': z.string().min(1), en: z.string().min(1) });

/** A text in each locale the agents answer in. */
export type Localized = z.infer<typeof localizedSchema>;

/** What an offer takes off: a percentage, a fixed amount in BRL, or the shipping. */
export const discountSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percent'), value: z.number().positive().max(100) }),
  z.object({ type: z.literal('fixed'), value: z.number().positive() }),
  z.object({ type: z.literal('free_shipping') }),
]);

/** An offer's discount. */
export type Discount = z.infer<typeof discountSchema>;

/** One offer of the catalogue, valid from `validFrom` (inclusive) until `validUntil` (exclusive). */
export const offerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'an offer id is lower-case letters, digits and dashes'),
    title: localizedSchema,
    description: localizedSchema,
    /** The coupon to type at checkout; absent when the offer applies by itself. */
    code: z
      .string()
      .regex(/^[A-Z0-9]{4,20}$/, 'a coupon code is 4 to 20 upper-case letters and digits')
      .optional(),
    discount: discountSchema,
    validFrom: z.iso.datetime({ offset: true }),
    validUntil: z.iso.datetime({ offset: true }),
    conditions: z.array(localizedSchema),
  })
  .refine((o) => Date.parse(o.validFrom) < Date.parse(o.validUntil), {
    message: 'validFrom must be before validUntil',
    path: ['validUntil'],
  });

/** An offer of the catalogue. */
export type Offer = z.infer<typeof offerSchema>;

/** A catalogue file: a list of offers. */
export const offerCatalogueSchema = z.array(offerSchema);

/** The offers valid at `at`, those ending soonest first. */
export function currentOffers(offers: readonly Offer[], at: Date): Offer[] {
  const t = at.getTime();
  return offers
    .filter((o) => Date.parse(o.validFrom) <= t && t < Date.parse(o.validUntil))
    .sort((a, b) => Date.parse(a.validUntil) - Date.parse(b.validUntil));
}
