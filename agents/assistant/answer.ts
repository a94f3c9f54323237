import type { FaqEntry } from './knowledge-base.js';
import type { Locale } from './locale.js';
import type { Hit } from './retrieval.js';

/** How sure the assistant is: high → answer, middle → answer and ask to confirm, low → offer a human. */
export type ConfidenceLevel = 'high' | 'middle' | 'low';

/** The shopper's mood as reported by the sentiment agent. */
export type Tone = 'negative' | 'neutral' | 'positive';

/** A knowledge-base entry an answer relies on, with the address of its help-centre page. */
export interface Citation {
  id: string;
  title: string;
  url: string;
}

/** The demo shop's help centre; an entry's page is `<base>/<id>`. */
export const DEFAULT_HELP_BASE_URL = 'https://www.lojaexemplo.com.br/ajuda';

/** An answer ready to stream to the shopper, with its confidence and sources. */
export interface ComposedAnswer {
  locale: Locale;
  /** 0..1, see {@link scoreConfidence}. */
  confidence: number;
  level: ConfidenceLevel;
  text: string;
  citations: Citation[];
}

/**
 * Lower bounds of the levels. `middle` is calibrated on what tuning may look at — the dev split of the answers
 * evaluation (`npm run eval:answers`) and the assistant's own tuning set — so that "not found" is said only when it
 * is right: on dev every value from 0.04 to 0.12 gives the same decisions (precision 100 %, recall 11/16) and the
 * first wrong one comes at 0.14, while the tuning set's off-topic "Quem ganhou o jogo ontem?" and a context-free
 * "e para o Norte?" score 0.096; 0.10, set before the informal paraphrases, still lies between and is kept. Text sharing nothing with the FAQ scores 0; off-topic questions
 * that share a generic word with an entry ("vcs entregam pizza?" ≈ 0.19) land in `middle`, where the answer is a
 * guess the shopper is asked to confirm, with a person offered. `high` (0.65) keeps direct questions ("Qual o prazo
 * de entrega?", "esqueci minha senha", "Can I pay with Pix?") answering outright.
 */
export const CONFIDENCE_THRESHOLDS = { high: 0.65, middle: 0.1 } as const;

// BM25 score at which the top hit counts as half-strong; scores of the FAQ's own questions are 25–40.
const SCORE_HALF_STRENGTH = 8;
// A second entry this close to the first (score ratio and coverage) is offered as "see also".
const SEE_ALSO_SCORE_RATIO = 0.6;
const SEE_ALSO_MIN_COVERAGE = 0.5;
// A query with a term the knowledge base never mentions is off-topic when its best entry covers at most this much.
const OFF_TOPIC_MAX_COVERAGE = 0.5;
const OFF_TOPIC_FACTOR = 0.5;
const OFF_TOPIC_MIN_NOVELTY = 0.5;
const WEAK_COVERAGE = 0.45;
const WEAK_SIMILARITY = 0.18;
// A query this much nearer an out-of-scope example than the FAQ's wording keeps this share of its confidence.
const OUT_OF_SCOPE_MARGIN = 0.1;
const OUT_OF_SCOPE_FACTOR = 0.2;
// How much the character n-gram similarity counts against the lexical (BM25 coverage) evidence.
const SIMILARITY_SHARE = 0.5;

/**
 * Confidence in the top hit, 0..1: half its character n-gram similarity to the entry's wording, half the lexical
 * evidence — its coverage of the query terms scaled by how strong its BM25 score is (`s / (s + 8)`) and by its
 * margin over the second hit (`(s1 − s2) / s1`): `coverage × (0.35 + 0.3 × strength + 0.35 × margin)`; halved for
 * a question mostly about something no entry mentions.
 */
export function scoreConfidence(hits: readonly Hit[]): number {
  const [first, second] = hits;
  if (!first) return 0;
  const score = Math.max(0, first.score);
  const strength = score / (score + SCORE_HALF_STRENGTH);
  const margin = second && score > 0 ? Math.max(0, (score - second.score) / score) : 1;
  const lexical = first.coverage * (0.35 + 0.3 * strength + 0.35 * margin);
  // A hit without a similarity (a retriever that does not measure it) is judged on the lexical evidence alone.
  let confidence =
    first.similarity === undefined
      ? lexical
      : SIMILARITY_SHARE * first.similarity + (1 - SIMILARITY_SHARE) * lexical;
  // "Can I pay in bitcoin?": a question made half of words no entry uses (not names, not typos of known words),
  // of which the best entry covers at most half, is about that unknown thing, not about the entry's generic word.
  if ((first.novelty ?? 0) >= OFF_TOPIC_MIN_NOVELTY && first.coverage <= OFF_TOPIC_MAX_COVERAGE) {
    confidence *= OFF_TOPIC_FACTOR;
  }
  // A best entry that holds less than half of the query, and only in words unlike its own wording ("e para o
  // Norte?" found in an answer's text), is a weak guess.
  if (first.coverage < WEAK_COVERAGE && (first.similarity ?? 0) < WEAK_SIMILARITY)
    confidence *= OFF_TOPIC_FACTOR;
  // "vcs entregam marmita?": nearer to something the help centre says it does not answer than to any of its own
  // questions is not found, whatever generic word it shares with an entry.
  if ((first.outOfScope ?? 0) >= OUT_OF_SCOPE_MARGIN) confidence *= OUT_OF_SCOPE_FACTOR;
  return Math.round(Math.min(1, Math.max(0, confidence)) * 1000) / 1000;
}

/** Maps a confidence to its level using {@link CONFIDENCE_THRESHOLDS}. */
export function levelOf(confidence: number): ConfidenceLevel {
  if (confidence >= CONFIDENCE_THRESHOLDS.high) return 'high';
  if (confidence >= CONFIDENCE_THRESHOLDS.middle) return 'middle';
  return 'low';
}

const TEXTS = {
  'pt-BR': {
    empathy: 'Sinto muito pelo transtorno, vou ajudar você a resolver isso.',
    seeAlso: 'Veja também:',
    guess: 'Acho que você quer saber:',
    confirm:
      'Era isso que você queria saber? Se não for, me conte com outras palavras ou peça para falar com um atendente.',
    low: 'Desculpe, não encontrei na nossa central de ajuda uma resposta segura para a sua pergunta. Posso transferir você para um atendente humano, que continua a conversa daqui. Se preferir, tente perguntar com outras palavras.',
  },
  en: {
    empathy: "I'm sorry for the trouble, I'll help you sort this out.",
    seeAlso: 'See also:',
    guess: 'I think you are asking:',
    confirm: 'Is that what you meant? If not, tell me in other words or ask to talk to a human agent.',
    low: "Sorry, I couldn't find a reliable answer to your question in our help centre. I can transfer you to a human agent, who will pick up the conversation from here. Or, if you prefer, try asking in other words.",
  },
} as const satisfies Record<Locale, Record<string, string>>;

/** The short empathetic sentence that opens answers to upset shoppers. */
export function empathyPreamble(locale: Locale): string {
  return TEXTS[locale].empathy;
}

/** The question that closes middle-confidence answers, asking the shopper to confirm. */
export function confirmationQuestion(locale: Locale): string {
  return TEXTS[locale].confirm;
}

/** Options of {@link composeAnswer}. */
export interface ComposeAnswerOptions {
  hits: readonly Hit[];
  locale: Locale;
  /** 'negative' MUST open the text with {@link empathyPreamble}. */
  tone?: Tone | undefined;
  /** Base of the help-centre pages the citations link to; {@link DEFAULT_HELP_BASE_URL} when absent. */
  helpBaseUrl?: string | undefined;
}

/** Builds the retrieval answer for the given hits in the shopper's locale; low confidence cites nothing. */
export function composeAnswer({
  hits,
  locale,
  tone,
  helpBaseUrl = DEFAULT_HELP_BASE_URL,
}: ComposeAnswerOptions): ComposedAnswer {
  const confidence = scoreConfidence(hits);
  const level = levelOf(confidence);
  const texts = TEXTS[locale];
  const lang = locale === 'en' ? 'en' : 'pt';
  const paragraphs: string[] = tone === 'negative' ? [texts.empathy] : [];
  const citations: Citation[] = [];
  const [first, second] = hits;

  if (level === 'low' || !first) {
    paragraphs.push(texts.low);
  } else if (level === 'high') {
    paragraphs.push(first.entry.answer[lang]);
    citations.push(citationOf(first.entry, locale, helpBaseUrl));
    if (
      second &&
      second.score >= first.score * SEE_ALSO_SCORE_RATIO &&
      second.coverage >= SEE_ALSO_MIN_COVERAGE
    ) {
      paragraphs.push(`${texts.seeAlso} ${second.entry.question[lang]}`);
      citations.push(citationOf(second.entry, locale, helpBaseUrl));
    }
  } else {
    paragraphs.push(
      `${texts.guess} “${first.entry.question[lang]}”`,
      first.entry.answer[lang],
      texts.confirm,
    );
    citations.push(citationOf(first.entry, locale, helpBaseUrl));
  }
  return { locale, confidence, level, text: paragraphs.join('\n\n'), citations };
}

/** The citation of an entry: its id, its question in the given locale as title, and its help-centre page. */
export function citationOf(
  entry: FaqEntry,
  locale: Locale,
  helpBaseUrl: string = DEFAULT_HELP_BASE_URL,
): Citation {
  return {
    id: entry.id,
    title: entry.question[locale === 'en' ? 'en' : 'pt'],
    url: helpUrl(entry, helpBaseUrl),
  };
}

/** The help-centre page of an entry: `<base>/<id>`, whatever slashes end the base. */
export function helpUrl(entry: Pick<FaqEntry, 'id'>, helpBaseUrl: string = DEFAULT_HELP_BASE_URL): string {
  return `${helpBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(entry.id)}`;
}

/** Options of {@link chunkForStreaming}. */
export interface ChunkOptions {
  /** Words per chunk; 3 when absent. */
  wordsPerChunk?: number;
}

/** Splits a text into small word groups whose concatenation MUST equal the text, whitespace included. */
export function chunkForStreaming(text: string, { wordsPerChunk = 3 }: ChunkOptions = {}): string[] {
  const words = text.match(/\s*\S+\s*/g);
  if (!words) return text ? [text] : [];
  const size = Math.max(1, Math.floor(wordsPerChunk));
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(''));
  return chunks;
}
