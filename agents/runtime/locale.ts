import type { Message } from '@a2a-js/sdk';

/** A locale an agent answers in. */
export type Locale = 'pt-BR' | 'en';

/** The locale the orchestrator put in the message's metadata; pt-BR (the shop's default) when absent. */
export function localeOf(message: Message): Locale {
  const value: unknown = message.metadata?.locale;
  return typeof value === 'string' && /^en\b/i.test(value) ? 'en' : 'pt-BR';
}
