import type { OfflineTicket } from './protocol.js';

/** Sends the team an e-mail about a message left for them. */
export interface TicketMailer {
  send(ticket: OfflineTicket): Promise<void>;
}

/** An SMTP {@link TicketMailer} (nodemailer) writing to `to`; short timeouts, since nobody waits on it. */
export function createSmtpMailer(options: { url: string; to: string; from?: string }): TicketMailer {
  // nodemailer is loaded with the first ticket, not at start-up (about 80 ms a desk without SMTP never needs).
  let transport: Promise<import('nodemailer').Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(options.url, {
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 10_000,
      } as never),
    ));
  const from = options.from ?? `Atende Desk <${options.to}>`;
  return {
    async send(ticket) {
      await (await open()).sendMail({
        from,
        to: options.to,
        replyTo: ticket.email,
        subject: `[Atende] Mensagem de ${ticket.email}`,
        text: [
          ticket.text,
          '',
          `E-mail: ${ticket.email}`,
          `Idioma: ${ticket.language}`,
          ...(ticket.conversationId ? [`Conversa: ${ticket.conversationId}`] : []),
          `Recebida em: ${ticket.createdAt}`,
        ].join('\n'),
      });
    },
  };
}
