/**
 * What the shopper wants to know about their orders: one order by number, the whereabouts of their parcel, the
 * status of their latest open order, or the list of their orders.
 */
export type OrderIntent =
  | { kind: 'order'; number: string }
  | { kind: 'track' }
  | { kind: 'status' }
  | { kind: 'list' };

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

// "pedido 1042", "pedido nº 1042", "pedido número 1042", "order #1042", "compra 1042", "#1042".
const NUMBER_AFTER_WORD =
  /\b(?:pedido|pedidos|order|encomenda|compra)\s*(?:(?:n(?:umero|o|º|°|r)?|number|no)\.?\s*)?(?:de\s+)?#?\s*(\d{3,12})\b/;
const HASH_NUMBER = /#\s*(\d{3,12})\b/;
const ORDER_WORD = /\b(pedido|pedidos|order|orders|encomenda|compra)\b/;
const BARE_NUMBER = /(?<![\w-])(\d{4,12})(?![\w-])/;
const LIST =
  /\b(meus pedidos|minhas compras|minhas encomendas|todos os pedidos|lista de pedidos|historico|my orders|all orders|order history|list orders|past orders|previous orders)\b/;
const TRACK =
  /\b(onde esta|onde estao|cade|rastre\w*|rastrear|rastreio|tracking|track|where is|where's|wheres|nao chegou|ainda nao recebi|nao recebi|hasn't arrived|has not arrived|didn't arrive|did not arrive|not arrived|chega|chegar|chegada|entrega|delivery|deliver|arrive|correios|transportadora|carrier|codigo de rastreio)\b/;

/** Reads the shopper's intent from their message; an order number mentioned in it always wins. */
export function parseOrderIntent(text: string): OrderIntent {
  const folded = fold(text);
  const explicit = NUMBER_AFTER_WORD.exec(folded) ?? HASH_NUMBER.exec(folded);
  if (explicit?.[1]) return { kind: 'order', number: explicit[1] };
  if (ORDER_WORD.test(folded)) {
    const bare = BARE_NUMBER.exec(folded);
    if (bare?.[1]) return { kind: 'order', number: bare[1] };
  }
  if (LIST.test(folded)) return { kind: 'list' };
  if (TRACK.test(folded)) return { kind: 'track' };
  return { kind: 'status' };
}
