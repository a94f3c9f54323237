import { stopwords as enStopWords } from '@orama/stopwords/english';
import { stopwords as ptStopWords } from '@orama/stopwords/portuguese';
import { z } from 'zod';
import { foldDiacritics } from '../runtime/char-ngrams.js';

/** Schema of the locales the assistant answers in. */
export const LocaleSchema = z.enum(['pt-BR', 'en']);

/** A locale the assistant answers in: Brazilian Portuguese or English. */
export type Locale = z.infer<typeof LocaleSchema>;

export { foldDiacritics };

// Words in both lists ("a", "no", "as"…) say nothing about the language, so only the exclusive ones count.
const ptOnly = new Set(ptStopWords.map(foldDiacritics));
const enOnly = new Set(enStopWords.map(foldDiacritics));
for (const word of [...ptOnly]) {
  if (enOnly.has(word)) {
    ptOnly.delete(word);
    enOnly.delete(word);
  }
}
// Common shop words the stop-word lists lack; "posso", "quero", "meu pedido" are strong pt-BR signals.
for (const word of [
  'qual',
  'quais',
  'quanto',
  'posso',
  'quero',
  'pedido',
  'entrega',
  'obrigado',
  'oi',
  'ola',
]) {
  ptOnly.add(word);
}
for (const word of ['can', 'how', 'what', 'my', 'order', 'please', 'hi', 'hello', 'thanks', 'want']) {
  enOnly.add(word);
}

/**
 * Guesses whether a text is Brazilian Portuguese or English by counting exclusive stop words; MUST return
 * 'pt-BR' (the shop's default) on a tie or when nothing is recognised.
 */
export function detectLocale(text: string): Locale {
  let pt = /[ãõçáéíóúâêô]/i.test(text) ? 1 : 0;
  let en = 0;
  for (const word of foldDiacritics(text).split(/[^a-z0-9']+/)) {
    if (ptOnly.has(word)) pt += 1;
    if (enOnly.has(word)) en += 1;
  }
  return en > pt ? 'en' : 'pt-BR';
}

/** Maps loose locale tags ("pt", "pt_BR", "en-US"…) to a supported locale, or undefined when unknown. */
export function parseLocale(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  const tag = value.trim().toLowerCase();
  if (tag === 'pt' || tag.startsWith('pt-') || tag.startsWith('pt_')) return 'pt-BR';
  if (tag === 'en' || tag.startsWith('en-') || tag.startsWith('en_')) return 'en';
  return undefined;
}
