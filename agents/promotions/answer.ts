import type { Locale } from '../runtime/locale.js';
import type { Discount, Offer } from './offer.js';

/** An offer as shown to a premium shopper in a `{ kind: 'offer' }` data part, in their language. */
export interface OfferView {
  id: string;
  title: string;
  description: string;
  code?: string;
  discount: Discount & { label: string };
  validUntil: string;
  conditions: string[];
}

function money(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    style: 'currency',
    currency: 'BRL',
    maximumFractionDigits: Number.isInteger(value) ? 0 : 2,
  })
    .format(value)
    .replace(/\u00a0/g, ' ');
}

/** The discount in words: "15% off", "R$ 50 off", "frete grátis". */
export function discountLabel(discount: Discount, locale: Locale): string {
  const en = locale === 'en';
  switch (discount.type) {
    case 'percent':
      return en ? `${discount.value}% off` : `${discount.value}% de desconto`;
    case 'fixed':
      return en ? `${money(discount.value, locale)} off` : `${money(discount.value, locale)} de desconto`;
    case 'free_shipping':
      return en ? 'free shipping' : 'frete grátis';
  }
}

/** The offer in the shopper's language, JSON-safe. */
export function toOfferView(offer: Offer, locale: Locale): OfferView {
  return {
    id: offer.id,
    title: offer.title[locale],
    description: offer.description[locale],
    ...(offer.code ? { code: offer.code } : {}),
    discount: { ...offer.discount, label: discountLabel(offer.discount, locale) },
    validUntil: offer.validUntil,
    conditions: offer.conditions.map((c) => c[locale]),
  };
}

/** Fixed texts of the promotions agent, by locale. */
export const TEXTS: Record<
  Locale,
  {
    intro: (count: number) => string;
    outro: string;
    none: string;
    premiumOnly: string;
    unavailable: string;
  }
> = {
  'pt-BR': {
    intro: (count) =>
      count === 1
        ? 'Separei 1 oferta exclusiva de cliente premium para você.'
        : `Separei ${count} ofertas exclusivas de cliente premium para você.`,
    outro: 'Os cupons valem no carrinho, antes de finalizar a compra.',
    none: 'No momento não há ofertas ativas para você. Volte em breve!',
    premiumOnly: 'As ofertas exclusivas são só para clientes premium.',
    unavailable: 'Não consegui consultar as ofertas agora. Tente de novo em alguns minutos, por favor.',
  },
  en: {
    intro: (count) =>
      count === 1
        ? 'Here is 1 exclusive premium offer for you.'
        : `Here are ${count} exclusive premium offers for you.`,
    outro: 'Coupons go in your cart, before checking out.',
    none: 'There are no active offers for you right now. Check back soon!',
    premiumOnly: 'Exclusive offers are for premium customers only.',
    unavailable: 'I could not look up the offers right now. Please try again in a few minutes.',
  },
};
