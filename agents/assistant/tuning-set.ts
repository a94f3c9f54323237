import type { Locale } from './locale.js';

/**
 * The assistant's own retrieval tuning set: shopper questions written for tuning the knowledge base's paraphrases
 * and the "not found" threshold, each with the FAQ entry id it should get, or `none` for questions the shop
 * cannot answer. It is a tuning set (the paraphrases were adjusted while looking at it), not a held-out evaluation. Each question
 * is searched in its own language (`locale`, pt-BR when absent): detecting the language is measured elsewhere.
 */
export const TUNING_SET: ReadonlyArray<{ text: string; expected: string; locale?: Locale }> = [
  // New entries, pt-BR (informal, some without accents).
  { text: 'abri a caixa e tava faltando o carregador', expected: 'incomplete-order' },
  { text: 'a cor do sofá não tem nada a ver com a foto do site', expected: 'product-not-as-described' },
  { text: 'comprei de um lojista parceiro e ele nao responde', expected: 'marketplace-seller' },
  { text: 'o jogo ta em pre venda, quando eu recebo?', expected: 'pre-order' },
  { text: 'da pra entregar no endereço do meu namorado?', expected: 'deliver-to-someone-else' },
  { text: 'por que não entregam no meu cep?', expected: 'delivery-area' },
  { text: 'voces entregam sabado?', expected: 'weekend-delivery' },
  { text: 'qual transportadora vai trazer minha compra?', expected: 'carrier-contact' },
  { text: 'vou ter que pagar o frete pra devolver?', expected: 'return-shipping-cost' },
  { text: 'paguei faz dois dias e ainda não despacharam', expected: 'order-not-shipped' },
  { text: 'o pix venceu antes de eu conseguir pagar', expected: 'pix-expired' },
  { text: 'preciso da segunda via do boleto', expected: 'boleto-second-copy' },
  { text: 'pagamento em analise ate quando?', expected: 'payment-under-review' },
  { text: 'aceita paypal?', expected: 'digital-wallets' },
  { text: 'como faço pra trocar meu email de login', expected: 'email-change' },
  { text: 'nao to conseguindo logar no app', expected: 'login-problem' },
  { text: 'me avisa quando o tênis voltar ao estoque', expected: 'stock-alert' },
  { text: 'minha air fryer deu defeito, como uso a garantia?', expected: 'warranty-claim' },
  { text: 'quero comprar 100 unidades pra minha empresa revender', expected: 'bulk-purchase' },
  { text: 'vou pagar taxa de importação?', expected: 'customs-taxes' },
  { text: 'qual o whatsapp de vocês?', expected: 'contact-channels' },
  { text: 'tem loja fisica em curitiba?', expected: 'physical-stores' },
  { text: 'essa geladeira é 220v?', expected: 'product-voltage' },
  { text: 'o perfume é original ou réplica?', expected: 'product-authenticity' },
  { text: 'vocês tem cashback ou programa de pontos?', expected: 'loyalty-program' },
  { text: 'quero deixar uma avaliação do produto', expected: 'product-review' },
  // New entries, English.
  { text: 'my box came without one of the items', expected: 'incomplete-order', locale: 'en' },
  { text: 'the jacket looks nothing like the pictures', expected: 'product-not-as-described', locale: 'en' },
  { text: 'do you deliver on sundays?', expected: 'weekend-delivery', locale: 'en' },
  { text: 'my pix code expired', expected: 'pix-expired', locale: 'en' },
  { text: 'can I pay with google pay', expected: 'digital-wallets', locale: 'en' },
  { text: 'is there customs duty on my order?', expected: 'customs-taxes', locale: 'en' },
  { text: 'what is your customer service phone number?', expected: 'contact-channels', locale: 'en' },
  { text: 'is this blender 110v or 220v?', expected: 'product-voltage', locale: 'en' },
  // Existing entries asked in other words.
  { text: 'quanto tempo demora o reembolso?', expected: 'refund-time' },
  { text: 'em quantos dias chega no rio de janeiro?', expected: 'delivery-time' },
  { text: 'da pra parcelar em 12x?', expected: 'card-instalments' },
  { text: 'a encomenda veio toda amassada', expected: 'damaged-product' },
  { text: 'esqueci minha senha e não consigo recuperar', expected: 'password-reset' },
  { text: 'the parcel says delivered but it is not here', expected: 'delivered-not-received', locale: 'en' },
  { text: 'how do I get a refund for a boleto payment?', expected: 'refund-boleto', locale: 'en' },
  { text: 'do you ship to portugal?', expected: 'international-shipping', locale: 'en' },
  { text: 'mandaram a cor errada do que eu pedi', expected: 'wrong-item' },
  { text: 'can someone else pick up my order at the store?', expected: 'pickup-third-party', locale: 'en' },
  // Questions the shop cannot answer: the assistant must say it did not find them.
  { text: 'vocês consertam celular?', expected: 'none' },
  { text: 'qual a capital da França?', expected: 'none' },
  { text: 'can I pay in bitcoin?', expected: 'none', locale: 'en' },
  { text: 'qual a previsão do tempo para amanhã?', expected: 'none' },
  { text: 'vocês vendem carro usado?', expected: 'none' },
  { text: 'me indica um filme bom', expected: 'none' },
  { text: 'who won the world cup in 2002?', expected: 'none', locale: 'en' },
  { text: 'quanto está o dólar hoje?', expected: 'none' },
  { text: 'do you have a job opening for developers?', expected: 'none', locale: 'en' },
  { text: 'receita de pão de queijo', expected: 'none' },
  { text: 'aceitam pagamento em criptomoeda?', expected: 'none' },
  { text: 'vocês fazem instalação de ar-condicionado na minha casa?', expected: 'none' },
];
