import { describe, expect, it } from 'vitest';
import { parseOrderIntent } from './intent.js';

describe('parseOrderIntent', () => {
  it.each([
    ['onde está meu pedido 1042', '1042'],
    ['Qual o status do pedido 1042?', '1042'],
    ['pedido nº 1042 não chegou', '1042'],
    ['pedido número 1042', '1042'],
    ['Cadê a nota fiscal do pedido #1038?', '1038'],
    ['#1042', '1042'],
    ['where is order 1042?', '1042'],
    ['order no. 1042', '1042'],
    ['What is the status of order #1042', '1042'],
    ['comprei ontem, o número do pedido é 1045', '1045'],
    ['minha compra 1047 foi paga?', '1047'],
  ])('finds the order number in %j', (text, number) => {
    expect(parseOrderIntent(text)).toEqual({ kind: 'order', number });
  });

  it.each([
    'meus pedidos',
    'Quero ver todos os pedidos',
    'minhas compras',
    'show my orders',
    'order history please',
  ])('reads %j as a list', (text) => {
    expect(parseOrderIntent(text)).toEqual({ kind: 'list' });
  });

  it.each([
    'Onde está meu pedido?',
    'onde esta meu pedido',
    'cadê minha encomenda',
    'Meu pedido não chegou',
    'código de rastreio',
    'quero rastrear minha compra',
    'Where is my order?',
    "My order hasn't arrived",
    'tracking code',
    'quando chega?',
  ])('reads %j as tracking', (text) => {
    expect(parseOrderIntent(text)).toEqual({ kind: 'track' });
  });

  it.each(['status', 'qual o status do meu pedido?', 'meu pedido foi aprovado?', 'order status'])(
    'reads %j as the status of the latest order',
    (text) => {
      expect(parseOrderIntent(text)).toEqual({ kind: 'status' });
    },
  );

  it('does not take a postcode, a price without an order word or a tracking code for an order number', () => {
    expect(parseOrderIntent('meu CEP é 80010-000, onde está meu pedido?')).toEqual({ kind: 'track' });
    expect(parseOrderIntent('gastei 1500 reais')).toEqual({ kind: 'status' });
    expect(parseOrderIntent('rastreio QB104755210BR')).toEqual({ kind: 'track' });
  });
});
