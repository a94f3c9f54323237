import { describe, expect, it } from 'vitest';
import { demoOffers } from './demo-offers.js';
import { currentOffers, offerSchema } from './offer.js';

const NOW = new Date('2025-03-10T15:00:00Z');

describe('demo offers', () => {
  it('are valid offers with unique ids and coupon codes', () => {
    const offers = demoOffers(NOW);
    for (const offer of offers) expect(() => offerSchema.parse(offer)).not.toThrow();
    expect(new Set(offers.map((o) => o.id)).size).toBe(offers.length);
    const codes = offers.flatMap((o) => (o.code ? [o.code] : []));
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('are dated relative to the clock', () => {
    const later = new Date(NOW.getTime() + 3_600_000);
    expect(Date.parse(demoOffers(later)[0]!.validUntil) - Date.parse(demoOffers(NOW)[0]!.validUntil)).toBe(
      3_600_000,
    );
  });
});

describe('currentOffers', () => {
  it('keeps only offers valid now, those ending soonest first', () => {
    const current = currentOffers(demoOffers(NOW), NOW);
    expect(current.map((o) => o.id)).toEqual([
      'premium-casa-50',
      'premium-15-eletronicos',
      'premium-pix-5',
      'premium-frete-gratis',
    ]);
  });

  it('treats validFrom as inclusive and validUntil as exclusive', () => {
    const [offer] = demoOffers(NOW);
    expect(currentOffers([offer!], new Date(offer!.validFrom))).toHaveLength(1);
    expect(currentOffers([offer!], new Date(offer!.validUntil))).toHaveLength(0);
  });

  it('shows an ended offer no more, and an upcoming one only once it starts', () => {
    const ids = (at: Date) => currentOffers(demoOffers(NOW), at).map((o) => o.id);
    expect(ids(NOW)).not.toContain('black-friday-antecipada');
    expect(ids(NOW)).not.toContain('aniversario-loja');
    expect(ids(new Date(NOW.getTime() + 4 * 86_400_000))).toContain('aniversario-loja');
  });
});

describe('offerSchema', () => {
  it('refuses an offer that ends before it starts, or a malformed coupon', () => {
    const [offer] = demoOffers(NOW);
    expect(offerSchema.safeParse({ ...offer, validUntil: offer!.validFrom }).success).toBe(false);
    expect(offerSchema.safeParse({ ...offer, code: 'no spaces!' }).success).toBe(false);
  });
});
