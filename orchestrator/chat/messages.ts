/** Polite texts the orchestrator itself says, in the shopper's language. */
const TEXTS = {
  unavailable: {
    'pt-BR':
      'Desculpe, não consegui consultar isso agora: o serviço está indisponível. Tente de novo em instantes ou fale com uma pessoa da nossa equipe.',
    en: 'Sorry, I could not look that up right now: the service is unavailable. Please try again in a moment or talk to a person on our team.',
  },
  timeout: {
    'pt-BR': 'Desculpe, a resposta está demorando mais do que deveria. Pode tentar de novo em instantes?',
    en: 'Sorry, the answer is taking longer than it should. Could you try again in a moment?',
  },
  signInRequired: {
    'pt-BR': 'Para consultar seus pedidos, entre na sua conta. Depois é só perguntar de novo!',
    en: 'To look up your orders, please sign in first. Then just ask again!',
  },
  notForRole: {
    'pt-BR': 'Esse recurso não está disponível para a sua conta. Posso ajudar com outra coisa?',
    en: 'That feature is not available for your account. Can I help with something else?',
  },
  canceled: {
    'pt-BR': 'A resposta foi interrompida.',
    en: 'The reply was stopped.',
  },
  partlyUnavailable: {
    'pt-BR':
      'Não consegui consultar a outra parte da sua pergunta agora; pode perguntar de novo em instantes?',
    en: 'I could not look up the other part of your question right now; could you ask again in a moment?',
  },
  failed: {
    'pt-BR': ' Desculpe, tive um problema ao terminar esta resposta. Pode perguntar de novo?',
    en: ' Sorry, something went wrong while finishing this answer. Could you ask again?',
  },
} as const;

/** Locales the chat speaks. */
export type Locale = 'pt-BR' | 'en';

/** A polite message for a failure kind, in `locale`. */
export function politeText(kind: keyof typeof TEXTS, locale: Locale): string {
  return TEXTS[kind][locale];
}

const ROLE_NAMES = {
  customer: { 'pt-BR': 'clientes com conta', en: 'signed-in customers' },
  premium: { 'pt-BR': 'clientes premium', en: 'premium customers' },
} as const;

/**
 * Tells a shopper a feature is not for their account and, when the scope policy says, whom it is for: a customer
 * asking for personal offers learns they are for premium customers.
 */
export function notForRoleText(locale: Locale, roles: Array<keyof typeof ROLE_NAMES | string>): string {
  const names = roles
    .filter((r): r is keyof typeof ROLE_NAMES => r in ROLE_NAMES)
    .map((r) => ROLE_NAMES[r][locale]);
  if (!names.length) return politeText('notForRole', locale);
  const who = names.join(locale === 'en' ? ' and ' : ' e ');
  return locale === 'en'
    ? `That feature is not available for your account: it is for ${who}. Can I help with something else?`
    : `Esse recurso não está disponível para a sua conta: é exclusivo para ${who}. Posso ajudar com outra coisa?`;
}
