import type { OrderConnector } from './connector.js';
import { normalizeOrderNumber, type Order, type OrderItem, type Tracking } from './order.js';

/** Account id of the demo customer Ana Souza (role `customer`). */
export const DEMO_CUSTOMER_ID = '00000000-0000-4000-8000-000000000001';

/** Account id of the demo premium customer Bruno Lima (role `premium`). */
export const DEMO_PREMIUM_ID = '00000000-0000-4000-8000-000000000002';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHOP_CNPJ = '12345678000190';

function item(sku: string, name: string, quantity: number, unitPrice: number): OrderItem {
  return { sku, name, quantity, unitPrice };
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

function totalOf(items: OrderItem[], shippingCost: number): number {
  return cents(items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0) + shippingCost);
}

function invoice(number: number, issuedAt: string): NonNullable<Order['invoice']> {
  const serial = String(number).padStart(9, '0');
  const yymm = issuedAt.slice(2, 4) + issuedAt.slice(5, 7);
  return {
    number: String(number),
    series: '1',
    // State code 41 (PR), model 55 (NF-e), series 001, emission type 1; a fake but well-formed key.
    accessKey: `41${yymm}${SHOP_CNPJ}55001${serial}1${serial.slice(1)}7`,
    issuedAt,
  };
}

function correios(code: string, events: Tracking['events']): Tracking {
  return { carrier: 'Correios', code, url: `https://atende.dev/rastreio/${code}`, events };
}

function jadlog(code: string, events: Tracking['events']): Tracking {
  return { carrier: 'Jadlog', code, url: `https://atende.dev/rastreio/${code}`, events };
}

/**
 * The demo shop's orders, dated relative to `now`: each demo customer has one order in every status (and both a
 * boleto and a Pix order awaiting payment). Shop-wide numbers grow with the order date.
 */
export function demoOrders(now: Date): Order[] {
  const t = now.getTime();
  const ago = (ms: number) => new Date(t - ms).toISOString();
  const ahead = (ms: number) => new Date(t + ms).toISOString();
  const order = (o: Omit<Order, 'currency' | 'total'>): Order => ({
    ...o,
    currency: 'BRL',
    total: totalOf(o.items, o.shippingCost),
  });
  const ana = DEMO_CUSTOMER_ID;
  const bruno = DEMO_PREMIUM_ID;

  return [
    order({
      number: '1012',
      customerId: bruno,
      status: 'refunded',
      placedAt: ago(62 * DAY),
      items: [item('TEC-REDRAGON-KUMARA', 'Teclado mecânico Redragon Kumara', 1, 229.9)],
      shippingCost: 19.9,
      payment: { method: 'credit_card', installments: 2, paidAt: ago(62 * DAY) },
      invoice: invoice(40112, ago(61 * DAY)),
      deliveredAt: ago(56 * DAY),
      tracking: jadlog('10455012345678', [
        { at: ago(60 * DAY), status: 'posted', description: 'Coletado', location: 'Barueri/SP' },
        { at: ago(56 * DAY), status: 'delivered', description: 'Entregue', location: 'Recife/PE' },
      ]),
      return: {
        requestedAt: ago(54 * DAY),
        reason: 'Produto com defeito (teclas falhando)',
        refundedAt: ago(45 * DAY),
        refundAmount: 249.8,
      },
    }),
    order({
      number: '1015',
      customerId: ana,
      status: 'refunded',
      placedAt: ago(55 * DAY),
      items: [item('TEN-OLYMPIKUS-CORRE3-37', 'Tênis de corrida Olympikus Corre 3 (37)', 1, 399.99)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(55 * DAY) },
      invoice: invoice(40158, ago(54 * DAY)),
      deliveredAt: ago(50 * DAY),
      tracking: correios('QB104512873BR', [
        { at: ago(53 * DAY), status: 'posted', description: 'Objeto postado', location: 'Barueri/SP' },
        {
          at: ago(50 * DAY),
          status: 'delivered',
          description: 'Objeto entregue ao destinatário',
          location: 'Curitiba/PR',
        },
      ]),
      return: {
        requestedAt: ago(48 * DAY),
        reason: 'Direito de arrependimento (tamanho não serviu)',
        refundedAt: ago(40 * DAY),
        refundAmount: 399.99,
      },
    }),
    order({
      number: '1018',
      customerId: bruno,
      status: 'delivered',
      placedAt: ago(40 * DAY),
      items: [
        item('CAD-ERGO-PRO', 'Cadeira de escritório ergonômica', 1, 899),
        item('MOU-LOGI-M170', 'Mouse sem fio Logitech M170', 1, 69.9),
      ],
      shippingCost: 0,
      payment: { method: 'credit_card', installments: 10, paidAt: ago(40 * DAY) },
      invoice: invoice(40201, ago(39 * DAY)),
      deliveredAt: ago(33 * DAY),
      tracking: jadlog('10455018765432', [
        { at: ago(38 * DAY), status: 'posted', description: 'Coletado', location: 'Barueri/SP' },
        { at: ago(35 * DAY), status: 'in_transit', description: 'Em trânsito', location: 'Salvador/BA' },
        { at: ago(33 * DAY), status: 'delivered', description: 'Entregue', location: 'Recife/PE' },
      ]),
    }),
    order({
      number: '1021',
      customerId: ana,
      status: 'delivered',
      placedAt: ago(33 * DAY),
      items: [
        item('CAF-MONDIAL-C30', 'Cafeteira elétrica Mondial 30 xícaras', 1, 189.9),
        item('GAR-TERM-1L', 'Garrafa térmica inox 1 L', 2, 89.9),
      ],
      shippingCost: 24.9,
      payment: { method: 'credit_card', installments: 3, paidAt: ago(33 * DAY) },
      invoice: invoice(40245, ago(32 * DAY)),
      deliveredAt: ago(27 * DAY),
      tracking: correios('QB104598321BR', [
        { at: ago(31 * DAY), status: 'posted', description: 'Objeto postado', location: 'Barueri/SP' },
        {
          at: ago(29 * DAY),
          status: 'in_transit',
          description: 'Objeto em trânsito',
          location: 'Cajamar/SP',
        },
        {
          at: ago(27 * DAY),
          status: 'delivered',
          description: 'Objeto entregue ao destinatário',
          location: 'Curitiba/PR',
        },
      ]),
    }),
    order({
      number: '1024',
      customerId: ana,
      status: 'return_requested',
      placedAt: ago(24 * DAY),
      items: [item('AIR-PHILCO-4L', 'Air fryer Philco 4 L', 1, 399.9)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(24 * DAY) },
      invoice: invoice(40290, ago(23 * DAY)),
      deliveredAt: ago(6 * DAY),
      tracking: correios('QB104633107BR', [
        { at: ago(20 * DAY), status: 'posted', description: 'Objeto postado', location: 'Barueri/SP' },
        {
          at: ago(6 * DAY),
          status: 'delivered',
          description: 'Objeto entregue ao destinatário',
          location: 'Curitiba/PR',
        },
      ]),
      return: { requestedAt: ago(2 * DAY), reason: 'Direito de arrependimento (7 dias)' },
    }),
    order({
      number: '1026',
      customerId: bruno,
      status: 'return_requested',
      placedAt: ago(21 * DAY),
      items: [item('SMW-AMAZFIT-BIP5', 'Smartwatch Amazfit Bip 5', 1, 549)],
      shippingCost: 0,
      payment: { method: 'credit_card', installments: 5, paidAt: ago(21 * DAY) },
      invoice: invoice(40311, ago(20 * DAY)),
      deliveredAt: ago(15 * DAY),
      tracking: jadlog('10455026543210', [
        { at: ago(19 * DAY), status: 'posted', description: 'Coletado', location: 'Barueri/SP' },
        { at: ago(15 * DAY), status: 'delivered', description: 'Entregue', location: 'Recife/PE' },
      ]),
      return: { requestedAt: ago(1 * DAY), reason: 'Produto com defeito (não carrega)' },
    }),
    order({
      number: '1029',
      customerId: ana,
      status: 'canceled',
      placedAt: ago(16 * DAY),
      items: [item('LEN-CASAL-400', 'Jogo de lençol casal 400 fios', 1, 179.9)],
      shippingCost: 19.9,
      payment: { method: 'boleto', dueAt: ago(13 * DAY) },
      cancellation: { at: ago(12 * DAY), reason: 'Boleto não pago até o vencimento' },
    }),
    order({
      number: '1031',
      customerId: bruno,
      status: 'canceled',
      placedAt: ago(14 * DAY),
      items: [item('MOC-NOTE-156', 'Mochila para notebook 15,6"', 1, 159.9)],
      shippingCost: 14.9,
      payment: { method: 'credit_card', installments: 1, paidAt: ago(14 * DAY) },
      cancellation: {
        at: ago(14 * DAY - 2 * HOUR),
        reason: 'Cancelado a pedido do cliente; estorno no cartão',
      },
    }),
    order({
      number: '1034',
      customerId: ana,
      status: 'out_for_delivery',
      placedAt: ago(7 * DAY),
      items: [
        item('PAN-ELECTROLUX-6L', 'Panela de pressão elétrica Electrolux 6 L', 1, 479.9),
        item('CAM-BASICA-M', 'Camiseta básica de algodão (M)', 3, 39.9),
      ],
      shippingCost: 0,
      payment: { method: 'credit_card', installments: 4, paidAt: ago(7 * DAY) },
      invoice: invoice(40377, ago(6 * DAY)),
      estimatedDelivery: ahead(8 * HOUR),
      tracking: correios('QB104701955BR', [
        { at: ago(5 * DAY), status: 'posted', description: 'Objeto postado', location: 'Barueri/SP' },
        { at: ago(3 * DAY), status: 'in_transit', description: 'Objeto em trânsito', location: 'Cajamar/SP' },
        {
          at: ago(1 * DAY),
          status: 'in_transit',
          description: 'Objeto recebido na unidade de distribuição',
          location: 'Curitiba/PR',
        },
        {
          at: ago(3 * HOUR),
          status: 'out_for_delivery',
          description: 'Objeto saiu para entrega ao destinatário',
          location: 'Curitiba/PR',
        },
      ]),
    }),
    order({
      number: '1036',
      customerId: bruno,
      status: 'out_for_delivery',
      placedAt: ago(6 * DAY),
      items: [item('KIN-11GEN', 'Kindle 11ª geração', 1, 549)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(6 * DAY) },
      invoice: invoice(40389, ago(5 * DAY)),
      estimatedDelivery: ahead(6 * HOUR),
      tracking: jadlog('10455036781234', [
        { at: ago(4 * DAY), status: 'posted', description: 'Coletado', location: 'Barueri/SP' },
        { at: ago(2 * DAY), status: 'in_transit', description: 'Em trânsito', location: 'Salvador/BA' },
        {
          at: ago(2 * HOUR),
          status: 'out_for_delivery',
          description: 'Saiu para entrega',
          location: 'Recife/PE',
        },
      ]),
    }),
    order({
      number: '1038',
      customerId: ana,
      status: 'shipped',
      placedAt: ago(5 * DAY),
      items: [item('FON-JBL-520BT', 'Fone de ouvido Bluetooth JBL Tune 520BT', 1, 299.9)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(5 * DAY) },
      invoice: invoice(40402, ago(4 * DAY)),
      estimatedDelivery: ahead(3 * DAY),
      tracking: correios('QB104755210BR', [
        { at: ago(3 * DAY), status: 'posted', description: 'Objeto postado', location: 'Barueri/SP' },
        {
          at: ago(20 * HOUR),
          status: 'in_transit',
          description:
            'Objeto em trânsito – de Unidade de Tratamento, Cajamar/SP para Unidade de Tratamento, Curitiba/PR',
          location: 'Cajamar/SP',
        },
      ]),
    }),
    order({
      number: '1042',
      customerId: bruno,
      status: 'shipped',
      placedAt: ago(4 * DAY),
      items: [
        item('TV-SAMSUNG-50-CU7700', 'Smart TV Samsung 50" Crystal UHD 4K', 1, 2399),
        item('SUP-TV-ART-32-75', 'Suporte articulado para TV 32" a 75"', 1, 149.9),
      ],
      shippingCost: 0,
      payment: { method: 'credit_card', installments: 10, paidAt: ago(4 * DAY) },
      invoice: invoice(40417, ago(3 * DAY)),
      estimatedDelivery: ahead(4 * DAY),
      tracking: jadlog('10455042998877', [
        { at: ago(2 * DAY), status: 'posted', description: 'Coletado', location: 'Barueri/SP' },
        {
          at: ago(10 * HOUR),
          status: 'in_transit',
          description: 'Em trânsito',
          location: 'Belo Horizonte/MG',
        },
      ]),
    }),
    order({
      number: '1043',
      customerId: ana,
      status: 'invoiced',
      placedAt: ago(3 * DAY),
      items: [
        item('LIV-TORTO-ARADO', 'Livro "Torto Arado" — Itamar Vieira Junior', 1, 54.9),
        item('LIV-ESSENCIALISMO', 'Livro "Essencialismo" — Greg McKeown', 1, 49.9),
      ],
      shippingCost: 12.9,
      payment: { method: 'credit_card', installments: 1, paidAt: ago(3 * DAY) },
      invoice: invoice(40421, ago(20 * HOUR)),
      estimatedDelivery: ahead(5 * DAY),
    }),
    order({
      number: '1044',
      customerId: bruno,
      status: 'invoiced',
      placedAt: ago(60 * HOUR),
      items: [item('CAR-USBC-25W', 'Carregador turbo USB-C 25 W', 2, 79.9)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(60 * HOUR) },
      invoice: invoice(40426, ago(12 * HOUR)),
      estimatedDelivery: ahead(4 * DAY),
    }),
    order({
      number: '1045',
      customerId: ana,
      status: 'paid',
      placedAt: ago(2 * DAY),
      items: [item('CAP-GALAXY-A55', 'Capa para celular Galaxy A55', 1, 49.9)],
      shippingCost: 9.9,
      payment: { method: 'credit_card', installments: 1, paidAt: ago(2 * DAY) },
      estimatedDelivery: ahead(6 * DAY),
    }),
    order({
      number: '1046',
      customerId: bruno,
      status: 'paid',
      placedAt: ago(36 * HOUR),
      items: [item('CAF-NESPRESSO-ESSENZA', 'Cafeteira Nespresso Essenza Mini', 1, 499)],
      shippingCost: 0,
      payment: { method: 'pix', paidAt: ago(36 * HOUR) },
      estimatedDelivery: ahead(5 * DAY),
    }),
    order({
      number: '1047',
      customerId: ana,
      status: 'awaiting_payment',
      placedAt: ago(1 * DAY),
      items: [item('MOU-LOGI-M170', 'Mouse sem fio Logitech M170', 1, 69.9)],
      shippingCost: 14.9,
      payment: { method: 'boleto', dueAt: ahead(2 * DAY) },
    }),
    order({
      number: '1048',
      customerId: bruno,
      status: 'awaiting_payment',
      placedAt: ago(22 * HOUR),
      items: [item('LEN-CASAL-400', 'Jogo de lençol casal 400 fios', 2, 179.9)],
      shippingCost: 0,
      payment: { method: 'boleto', dueAt: ahead(2 * DAY) },
    }),
    order({
      number: '1049',
      customerId: ana,
      status: 'awaiting_payment',
      placedAt: ago(40 * 60_000),
      items: [item('GAR-TERM-1L', 'Garrafa térmica inox 1 L', 1, 89.9)],
      shippingCost: 14.9,
      payment: { method: 'pix', dueAt: ahead(20 * 60_000) },
    }),
    order({
      number: '1050',
      customerId: bruno,
      status: 'awaiting_payment',
      placedAt: ago(15 * 60_000),
      items: [item('TEC-REDRAGON-KUMARA', 'Teclado mecânico Redragon Kumara', 1, 229.9)],
      shippingCost: 0,
      payment: { method: 'pix', dueAt: ahead(45 * 60_000) },
    }),
  ];
}

/**
 * An in-memory {@link OrderConnector} over {@link demoOrders}, dated by `now` at each call; lookups are scoped by
 * customer, so another customer's order number is simply not found.
 */
export function createDemoConnector(options: {
  now: () => Date;
  orders?: (now: Date) => Order[];
}): OrderConnector {
  const { now, orders = demoOrders } = options;
  const ordersOf = (customerId: string) => orders(now()).filter((o) => o.customerId === customerId);
  return {
    async listOrders(customerId) {
      return ordersOf(customerId);
    },
    async getOrder(customerId, orderNumber) {
      const wanted = normalizeOrderNumber(orderNumber);
      return ordersOf(customerId).find((o) => normalizeOrderNumber(o.number) === wanted) ?? null;
    },
  };
}
