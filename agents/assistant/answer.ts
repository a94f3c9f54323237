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
 * Lower bounds of the levels, calibrated on the questions of retrieval.test.ts: direct questions ("Qual o
 * prazo de entrega?" 0.78, "Can I pay with Pix?" 0.79, "esqueci minha senha" 0.90, "How do I return an item?"
 * 0.69) score above 0.65; questions whose best entry is right but close to others ("quero fazer uma devolucao"
 * 0.50, "where is my order" 0.55, "quanto tempo demora o reembolso no cartão" 0.40) fall between 0.3 and 0.65;
 * off-topic text sharing one word with the FAQ ("preço do dólar hoje" 0.28, "What is the weather today?" 0.15)
 * stays below 0.3, and text sharing none has no hits and scores 0.
 */
export const CONFIDENCE_THRESHOLDS = { high: 0.65, middle: 0.3 } as const;

// BM25 score at which the top hit counts as half-strong; scores of the FAQ's own questions are 25–40.
const SCORE_HALF_STRENGTH = 8;
// A second entry this close to the first (score ratio and coverage) is offered as "see also".
const SEE_ALSO_SCORE_RATIO = 0.6;
const SEE_ALSO_MIN_COVERAGE = 0.5;
// A query with a term the knowledge base never mentions is off-topic when its best entry covers at most this much.
const OFF_TOPIC_MAX_COVERAGE = 0.5;
const OFF_TOPIC_FACTOR = 0.5;
const WEAK_COVERAGE = 0.45;

/**
 * Confidence in the top hit, 0..1: its coverage of the query terms, scaled by how strong its BM25 score is
 * (`s / (s + 8)`) and by its margin over the second hit (`(s1 − s2) / s1`):
 * `coverage × (0.35 + 0.3 × strength + 0.35 × margin)`.
 */
export function scoreConfidence(hits: readonly Hit[]): number {
  const [first, second] = hits;
  if (!first || first.score <= 0) return 0;
  const strength = first.score / (first.score + SCORE_HALF_STRENGTH);
  const margin = second ? Math.max(0, (first.score - second.score) / first.score) : 1;
  let confidence = first.coverage * (0.35 + 0.3 * strength + 0.35 * margin);
  // "Can I pay in bitcoin?": a question naming something no entry mentions, of which the best entry covers at
  // most half, is about that unknown thing, not about the entry's generic word ("pay").
  // Likewise a best entry that holds less than half of the query ("e para o Norte?" only in an answer's text).
  if (
    ((first.novelty ?? 0) > 0 && first.coverage <= OFF_TOPIC_MAX_COVERAGE) ||
    first.coverage < WEAK_COVERAGE
  ) {
    confidence *= OFF_TOPIC_FACTOR;
  }
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
