import type { eld as Eld } from 'eld/small';
import type { Locale } from './messages.js';

// The shopper's language, per message. A character n-gram detector (eld, limited to Portuguese and English) reads
// the text; a short list of chat words it cannot judge alone ("oi", "obg", "blz", "hi", "thx") adds its vote; when
// the two together do not say clearly, the message keeps the conversation's last language, or else the page's.

let detector: typeof Eld | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the detector once. Its n-gram database is 1.6 MB of JavaScript (about 0.8 s of CPU to compile and evaluate,
 * the largest single item of the orchestrator's start-up), so it is not loaded at import: the orchestrator starts
 * loading it as soon as it listens, and a message that arrives before it is loaded waits for it. Anything that calls
 * {@link detectLanguage} or {@link shopperLanguage} MUST have awaited this first.
 */
export function loadLanguageDetector(): Promise<void> {
  loading ??= import('eld/small').then(({ eld }) => {
    const instance = eld.newInstance();
    instance.setLanguageSubset(['pt', 'en']);
    detector = instance;
  });
  // A failed load is tried again by the next caller, not remembered.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

// Words of one language only, as shoppers type them (folded, abbreviated): too short for n-grams to weigh.
const PT_WORDS = new Set(
  `oi ola opa obg obgd obrigado obrigada valeu vlw blz beleza tudo bom boa dia tarde noite sim nao vc vcs voce voces
  pq qnd qdo qto qnto cade pra pro pfv pf tb tbm ta eh aqui ai entao gente moco moca tchau logo certo
  entendi beleza falou meu minha quero queria posso pode tem qual quais quanto como onde quando frete entrega
  pedido compra troca boleto cupom senha nota fiscal reembolso estorno prazo`.split(/\s+/),
);
const EN_WORDS = new Set(
  `hi hey hello hiya thanks thank thx ty cheers bye yes yeah yep nope please pls plz sure okay cool great the is are
  what whats where wheres when how who why which can could would should will does did you your my i im
  it its this that there and with of order orders shipping delivery refund payment password return`.split(
    /\s+/,
  ),
);

/** How much a message leans to English (> 0) or Portuguese (< 0), and whether that is clear enough to decide. */
export interface LanguageEvidence {
  /** Positive for English, negative for Portuguese. */
  lean: number;
  /** Whether `lean` decides; otherwise the conversation's or page's language holds. */
  clear: boolean;
}

// Tuned on the dev split of orchestrator/eval/answers.jsonl (see `npm run eval:answers`).
const LEXICON_WEIGHT = 0.25;
const CLEAR_LEAN = 0.12;
const UNRELIABLE_NGRAMS_WEIGHT = 0.3;

/** Reads the evidence of a text's language: n-gram scores of pt and en, plus the chat words each has. */
export function languageEvidence(text: string): LanguageEvidence {
  const folded = fold(text);
  const words = folded.match(/[a-z']+/g) ?? [];
  let lexicon = 0;
  for (const word of words) {
    const bare = word.replace(/'/g, '');
    if (PT_WORDS.has(bare)) lexicon -= 1;
    if (EN_WORDS.has(bare)) lexicon += 1;
  }
  // Letters only Portuguese writes: "ã", "ç", "õ", "ê".
  if (/[ãõçêâôáéíóú]/i.test(text)) lexicon -= 1;
  if (!detector) throw new Error('the language detector is not loaded: await loadLanguageDetector() first');
  const detected = detector.detect(text);
  const scores = detected.getScores();
  // A word or two gives n-grams little to go on ("Frete?" scores English): they count less when eld says so.
  const ngrams =
    ((scores.en ?? 0) - (scores.pt ?? 0)) * (detected.isReliable() ? 1 : UNRELIABLE_NGRAMS_WEIGHT);
  const lean = ngrams + LEXICON_WEIGHT * Math.sign(lexicon) * Math.min(2, Math.abs(lexicon));
  return { lean, clear: Math.abs(lean) >= CLEAR_LEAN };
}

/** Options of {@link shopperLanguage}. */
export interface ShopperLanguageOptions {
  text: string;
  /** The page's locale (the widget's PT/EN setting): a prior for messages too short or mixed to tell. */
  locale: Locale;
  /** The shopper chose `locale` with the widget's switch: it MUST win over the text. */
  forced?: boolean;
  /** The conversation's last language, when it has one: kept by messages too short to tell ("ok"). */
  previous?: Locale;
}

/**
 * The language to answer a message in: the forced locale if the shopper chose one, else the text's language when
 * it is clear, else the conversation's last language, else the page's locale.
 */
export function shopperLanguage({ text, locale, forced, previous }: ShopperLanguageOptions): Locale {
  if (forced) return locale;
  return detectLanguage(text) ?? previous ?? locale;
}

/** The text's language when it is clear, `undefined` when the text is too short or mixed to tell. */
export function detectLanguage(text: string): Locale | undefined {
  const { lean, clear } = languageEvidence(text);
  if (!clear) return undefined;
  return lean > 0 ? 'en' : 'pt-BR';
}
