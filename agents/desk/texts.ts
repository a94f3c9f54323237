import type { HandoffState } from './protocol.js';

type Language = 'pt-BR' | 'en';

const minutes = (sec: number) => Math.max(1, Math.ceil(sec / 60));

// What the shopper reads on each status update, by language. Codes in metadata drive the client; these are prose.
const TEXTS = {
  'pt-BR': {
    queued: (position: number, waitSec: number) =>
      `Você é o ${position}º da fila; espera estimada de ${minutes(waitSec)} min`,
    assigned: (name: string) => `${name} entrou na conversa`,
    resolved: 'Atendimento encerrado. Obrigado pelo contato!',
    returned_to_bot: 'Você voltou a falar com o assistente virtual.',
    abandoned: 'Você saiu da fila de atendimento.',
    closed:
      'Nosso atendimento humano está fechado agora. Deixe uma mensagem com seu e-mail e responderemos assim que abrirmos.',
    no_operator:
      'Nenhum atendente está disponível agora. Deixe uma mensagem com seu e-mail e responderemos assim que possível.',
  },
  en: {
    queued: (position: number, waitSec: number) =>
      `You are number ${position} in the queue; estimated wait ${minutes(waitSec)} min`,
    assigned: (name: string) => `${name} joined the conversation`,
    resolved: 'The conversation was closed. Thank you for reaching out!',
    returned_to_bot: 'You are back with the virtual assistant.',
    abandoned: 'You left the queue.',
    closed: 'Our team is closed right now. Leave a message with your e-mail and we will answer when we open.',
    no_operator:
      'No one from our team is available right now. Leave a message with your e-mail and we will answer soon.',
  },
} as const;

/** The shopper-facing sentence for a handoff state, in the handoff's language. */
export function statusText(state: HandoffState, language: Language): string {
  const t = TEXTS[language];
  switch (state.state) {
    case 'queued':
      return t.queued(state.position ?? 1, state.estimatedWaitSec ?? 0);
    case 'assigned':
      return t.assigned(state.operator?.name ?? '');
    case 'offline':
      return state.offlineReason === 'closed' ? t.closed : t.no_operator;
    default:
      return t[state.state];
  }
}
