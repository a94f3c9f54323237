import type { Offer } from './offer.js';

const DAY = 24 * 3_600_000;

const PREMIUM_ONLY = { 'pt-BR': 'Exclusivo para clientes premium', en: 'Premium customers only' };
const ONE_PER_CUSTOMER = { 'pt-BR': 'Uma vez por cliente', en: 'Once per customer' };
const NOT_CUMULATIVE = {
  'pt-BR': 'Não cumulativo com outros cupons',
  en: 'Cannot be combined with other coupons',
};

/**
 * The demo shop's premium offers, dated relative to `now`: four current ones, one that has ended and one that has
 * not started, so that only current offers are ever shown.
 */
export function demoOffers(now: Date): Offer[] {
  const t = now.getTime();
  const at = (days: number) => new Date(t + days * DAY).toISOString();
  return [
    {
      id: 'premium-frete-gratis',
      title: { 'pt-BR': 'Frete grátis premium', en: 'Premium free shipping' },
      description: {
        'pt-BR': 'Frete grátis em todas as compras a partir de R$ 99, para todo o Brasil.',
        en: 'Free shipping on every order from R$ 99, anywhere in Brazil.',
      },
      discount: { type: 'free_shipping' },
      validFrom: at(-30),
      validUntil: at(30),
      conditions: [
        PREMIUM_ONLY,
        { 'pt-BR': 'Compras a partir de R$ 99', en: 'Orders from R$ 99' },
        {
          'pt-BR': 'Entrega padrão; aplicado automaticamente',
          en: 'Standard delivery; applied automatically',
        },
      ],
    },
    {
      id: 'premium-15-eletronicos',
      title: { 'pt-BR': '15% off em eletrônicos', en: '15% off electronics' },
      description: {
        'pt-BR': 'Fones, smartwatches, carregadores e acessórios com 15% de desconto.',
        en: 'Headphones, smartwatches, chargers and accessories at 15% off.',
      },
      code: 'PREMIUM15',
      discount: { type: 'percent', value: 15 },
      validFrom: at(-2),
      validUntil: at(5),
      conditions: [
        PREMIUM_ONLY,
        { 'pt-BR': 'Desconto máximo de R$ 300', en: 'Discount capped at R$ 300' },
        ONE_PER_CUSTOMER,
        NOT_CUMULATIVE,
      ],
    },
    {
      id: 'premium-pix-5',
      title: { 'pt-BR': '5% extra no Pix', en: '5% extra off with Pix' },
      description: {
        'pt-BR': 'Mais 5% de desconto pagando à vista com Pix, em todo o site.',
        en: 'An extra 5% off when you pay upfront with Pix, site-wide.',
      },
      code: 'PIX5PREMIUM',
      discount: { type: 'percent', value: 5 },
      validFrom: at(-10),
      validUntil: at(20),
      conditions: [
        PREMIUM_ONLY,
        { 'pt-BR': 'Pagamento à vista via Pix', en: 'Upfront payment with Pix' },
        NOT_CUMULATIVE,
      ],
    },
    {
      id: 'premium-casa-50',
      title: { 'pt-BR': 'R$ 50 off em Casa & Cozinha', en: 'R$ 50 off Home & Kitchen' },
      description: {
        'pt-BR': 'R$ 50 de desconto em air fryers, cafeteiras, panelas e cama, mesa e banho.',
        en: 'R$ 50 off air fryers, coffee makers, cookware and bed & bath.',
      },
      code: 'CASA50',
      discount: { type: 'fixed', value: 50 },
      validFrom: at(-1),
      validUntil: at(2),
      conditions: [
        PREMIUM_ONLY,
        { 'pt-BR': 'Compras a partir de R$ 400 na categoria', en: 'Orders from R$ 400 in the category' },
        ONE_PER_CUSTOMER,
        NOT_CUMULATIVE,
      ],
    },
    {
      id: 'black-friday-antecipada',
      title: { 'pt-BR': 'Black Friday antecipada', en: 'Early Black Friday' },
      description: { 'pt-BR': '20% off em todo o site.', en: '20% off site-wide.' },
      code: 'BFANTECIPA',
      discount: { type: 'percent', value: 20 },
      validFrom: at(-20),
      validUntil: at(-1),
      conditions: [PREMIUM_ONLY, NOT_CUMULATIVE],
    },
    {
      id: 'aniversario-loja',
      title: { 'pt-BR': 'Aniversário da loja', en: 'Shop anniversary' },
      description: { 'pt-BR': 'R$ 100 off acima de R$ 800.', en: 'R$ 100 off orders over R$ 800.' },
      code: 'NIVER100',
      discount: { type: 'fixed', value: 100 },
      validFrom: at(3),
      validUntil: at(10),
      conditions: [PREMIUM_ONLY, { 'pt-BR': 'Compras acima de R$ 800', en: 'Orders over R$ 800' }],
    },
  ];
}
