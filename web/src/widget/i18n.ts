/** The languages the widget speaks; pt-BR is the default. */
export type Locale = 'pt-BR' | 'en';

const pt = {
  launcherOpen: 'Abrir o chat de atendimento',
  launcherClose: 'Fechar o chat de atendimento',
  title: 'Atendimento',
  subtitle: 'Respostas na hora, 24 h por dia',
  close: 'Fechar',
  language: 'Idioma',
  placeholder: 'Escreva sua mensagem…',
  messageLabel: 'Sua mensagem',
  send: 'Enviar',
  you: 'Você',
  assistant: 'Atende',
  typing: 'Digitando…',
  welcome: 'Olá! Como posso ajudar? Pergunte sobre entregas, trocas, pagamentos ou seus pedidos.',
  signIn: 'Entrar',
  signOut: 'Sair',
  signedInAs: (name: string) => `Conectado como ${name}`,
  email: 'E-mail',
  password: 'Senha',
  cancel: 'Cancelar',
  signInTitle: 'Entre para ver seus pedidos',
  signInFailed: 'E-mail ou senha incorretos.',
  signInLocked: (s: number) => `Muitas tentativas. Tente de novo em ${s} s.`,
  signInRequired: 'Para ver seus pedidos, entre na sua conta.',
  notAvailable: 'Este recurso não está disponível para a sua conta.',
  rateLimited: (s: number) => `Você enviou muitas mensagens; tente de novo em ${s} s.`,
  networkError: 'Não foi possível falar com o atendimento. Verifique sua conexão.',
  dropped: 'A conexão caiu no meio da resposta. Recuperando…',
  recovered: 'Resposta recuperada.',
  retry: 'Tentar de novo',
  genericError: 'Algo deu errado. Tente de novo em instantes.',
  tooLong: (n: number) => `A mensagem pode ter no máximo ${n} caracteres.`,
  originRefused: (origin: string) =>
    `Este chat não está liberado para este site (${origin}). Avise a loja: a origem precisa estar em WEB_ORIGIN.`,
  charsLeft: (left: string, max: string) => `Restam ${left} de ${max} caracteres.`,
  limitReached: (max: string) => `Limite de ${max} caracteres atingido.`,
  handoff: 'Falar com uma pessoa',
  handoffHint: 'Não tenho certeza dessa resposta.',
  handoffText: 'Quero falar com uma pessoa.',
  sources: 'Fontes',
  order: 'Pedido',
  total: 'Total',
  items: 'Itens',
  tracking: 'Rastreio',
  estimated: 'Previsão de entrega',
  delivered: 'Entregue em',
  offer: 'Oferta',
  code: 'Cupom',
  validUntil: 'Válido até',
  degraded: 'Parte do atendimento está lenta agora; a resposta pode estar incompleta.',
  newConversation: 'Nova conversa',
  historyError: 'Não foi possível carregar o histórico.',
  talkToPerson: 'Falar com uma pessoa',
  operator: 'Atendente',
  handoffRequested: 'Chamando uma pessoa da equipe…',
  handoffQueued: (position?: number, waitSec?: number) =>
    `Você está na fila${
      position || waitSec !== undefined
        ? ` (${[position ? `posição ${position}` : '', waitSec !== undefined ? `espera estimada ~${Math.max(1, Math.round(waitSec / 60))} min` : ''].filter(Boolean).join(', ')})`
        : ''
    }`,
  handoffAssigned: (name: string) => `${name} entrou na conversa`,
  handoffResolved: 'Conversa encerrada pelo atendente',
  handoffReturned: 'De volta ao assistente virtual',
  handoffOffline: (reason?: string): string =>
    reason === 'closed'
      ? 'Nossa equipe está fora do horário agora. Deixe um recado e respondemos por e-mail.'
      : 'Ninguém da equipe está disponível agora. Deixe um recado e respondemos por e-mail.',
  handoffAbandoned: 'O pedido de atendimento foi cancelado.',
  handoffFailed: 'Não foi possível chamar uma pessoa agora. Tente de novo em instantes.',
  handoffAlready: 'Você já está falando com a nossa equipe.',
  operatorTyping: (name: string) => `${name} está digitando…`,
  offlineTitle: 'Deixe um recado para a equipe',
  offlineEmail: 'Seu e-mail',
  offlineText: 'Seu recado',
  offlineSend: 'Enviar recado',
  offlineSent: 'Recado enviado. Respondemos no seu e-mail assim que possível.',
  invalidEmail: 'Informe um e-mail válido.',
  emptyText: 'Escreva a mensagem.',
  rateTitle: 'Como foi o atendimento?',
  rateStar: (n: number) => `${n} de 5 estrelas`,
  rateComment: 'Comentário (opcional)',
  rateSend: 'Enviar avaliação',
  rateSkip: 'Agora não',
  rateThanks: 'Obrigado pela avaliação!',
};

const en: typeof pt = {
  launcherOpen: 'Open the customer service chat',
  launcherClose: 'Close the customer service chat',
  title: 'Customer service',
  subtitle: 'Instant answers, 24/7',
  close: 'Close',
  language: 'Language',
  placeholder: 'Type your message…',
  messageLabel: 'Your message',
  send: 'Send',
  you: 'You',
  assistant: 'Atende',
  typing: 'Typing…',
  welcome: 'Hi! How can I help? Ask about delivery, returns, payment or your orders.',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: (name: string) => `Signed in as ${name}`,
  email: 'Email',
  password: 'Password',
  cancel: 'Cancel',
  signInTitle: 'Sign in to see your orders',
  signInFailed: 'Wrong email or password.',
  signInLocked: (s: number) => `Too many attempts. Try again in ${s} s.`,
  signInRequired: 'Sign in to see your orders.',
  notAvailable: 'This is not available for your account.',
  rateLimited: (s: number) => `You sent too many messages; try again in ${s} s.`,
  networkError: 'Could not reach customer service. Check your connection.',
  dropped: 'The connection dropped mid-answer. Recovering…',
  recovered: 'Answer recovered.',
  retry: 'Try again',
  genericError: 'Something went wrong. Please try again shortly.',
  tooLong: (n: number) => `A message can have at most ${n} characters.`,
  originRefused: (origin: string) =>
    `This chat is not enabled for this site (${origin}). Please tell the shop: the origin must be in WEB_ORIGIN.`,
  charsLeft: (left: string, max: string) => `${left} of ${max} characters left.`,
  limitReached: (max: string) => `Limit of ${max} characters reached.`,
  handoff: 'Talk to a person',
  handoffHint: 'I am not sure about this answer.',
  handoffText: 'I want to talk to a person.',
  sources: 'Sources',
  order: 'Order',
  total: 'Total',
  items: 'Items',
  tracking: 'Tracking',
  estimated: 'Expected delivery',
  delivered: 'Delivered on',
  offer: 'Offer',
  code: 'Code',
  validUntil: 'Valid until',
  degraded: 'Part of the service is slow right now; the answer may be incomplete.',
  newConversation: 'New conversation',
  historyError: 'Could not load the history.',
  talkToPerson: 'Talk to a person',
  operator: 'Agent',
  handoffRequested: 'Calling someone from our team…',
  handoffQueued: (position?: number, waitSec?: number) =>
    `You are in line${
      position || waitSec !== undefined
        ? ` (${[position ? `position ${position}` : '', waitSec !== undefined ? `estimated wait ~${Math.max(1, Math.round(waitSec / 60))} min` : ''].filter(Boolean).join(', ')})`
        : ''
    }`,
  handoffAssigned: (name: string) => `${name} joined the conversation`,
  handoffResolved: 'The agent ended the conversation',
  handoffReturned: 'Back to the virtual assistant',
  handoffOffline: (reason?: string) =>
    reason === 'closed'
      ? 'Our team is out of office hours now. Leave a message and we will answer by email.'
      : 'Nobody from our team is available now. Leave a message and we will answer by email.',
  handoffAbandoned: 'The request for a person was canceled.',
  handoffFailed: 'Could not reach a person right now. Please try again shortly.',
  handoffAlready: 'You are already talking to our team.',
  operatorTyping: (name: string) => `${name} is typing…`,
  offlineTitle: 'Leave a message for our team',
  offlineEmail: 'Your email',
  offlineText: 'Your message for the team',
  offlineSend: 'Send message',
  offlineSent: 'Message sent. We will answer by email as soon as we can.',
  invalidEmail: 'Enter a valid email address.',
  emptyText: 'Write your message.',
  rateTitle: 'How was the service?',
  rateStar: (n: number) => `${n} out of 5 stars`,
  rateComment: 'Comment (optional)',
  rateSend: 'Send rating',
  rateSkip: 'Not now',
  rateThanks: 'Thank you for your rating!',
};

/** The widget's strings in `locale`. */
export function strings(locale: Locale) {
  return locale === 'en' ? en : pt;
}

/** Strings of one locale. */
export type Strings = typeof pt;

/** The locale for a `lang` attribute: English for `en*`, pt-BR otherwise (and when there is none). */
export function pickLocale(lang: string | null | undefined): Locale {
  return lang?.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
}

/** Whether `email` looks like an address (the orchestrator checks it too): one @, a dot in the domain, no spaces. */
export function isEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) && email.trim().length <= 254;
}
