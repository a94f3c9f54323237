import { afinnValence } from './afinn.js';
import {
  CONCESSIVES,
  CONTRASTS,
  EMOJI_VALENCE,
  EN_WORDS,
  MODIFIERS,
  NEGATIVE_TERMS,
  NEGATORS,
  NEUTRAL_CUES,
  POSITIVE_TERMS,
  PT_WORDS,
  SARCASM_MARKERS,
  SARCASM_OPENERS,
  SUGGESTIONS,
} from './lexicon-data.js';
import { LEXICON_MODEL } from './lexicon-model.js';
import {
  type ClassifyOptions,
  type SentimentClassifier,
  type SentimentLocale,
  type SentimentResult,
  toSentimentLocale,
} from './sentiment.js';
import { predictProbabilities, type SoftmaxModel } from './softmax-regression.js';

interface Entry {
  valence?: number;
  modifier?: number;
  neutral?: number;
  negator?: boolean;
  contrast?: boolean;
  concessive?: boolean;
  sarcasm?: boolean;
  suggestion?: boolean;
}

const POST_MODIFIERS = new Set(['demais', 'pra caramba', 'pra caralho', 'pra caraca']);
// Words of absence: "sem defeito", "no scratches" praise by denying a fault, and complain less than "não".
const ABSENCE = new Set(['sem', 'without', 'no', 'nenhum', 'nenhuma']);
// Interjections that may precede an ironic opener ("Oh wonderful, ...").
const INTERJECTIONS = new Set(['que', 'what', 'how', 'oh', 'ah', 'nossa', 'just', 'simply']);
const POLITE = new Set([
  'obrigado',
  'obrigada',
  'obg',
  'grato',
  'grata',
  'agradeco',
  'thanks',
  'thank',
  'thank you',
]);
const MAX_PHRASE = 5;
// English words that are ordinary Portuguese words ("no" = "in the", "so" = "só"): only read in English text.
const ENGLISH_ONLY = new Set([
  'no',
  'so',
  'too',
  'pretty',
  'kind',
  'fine',
  'still no',
  'a bit',
  'a little',
  'yet',
  'while',
]);

const phrases = new Map<string, Entry>();
const stems: Array<[string, Entry]> = [];

function add(key: string, patch: Entry) {
  if (key.endsWith('*')) {
    stems.push([key.slice(0, -1), patch]);
    return;
  }
  phrases.set(key, { ...phrases.get(key), ...patch });
}
for (const [k, v] of Object.entries(POSITIVE_TERMS)) add(k, { valence: v });
for (const [k, v] of Object.entries(NEGATIVE_TERMS)) add(k, { valence: -v });
for (const [k, v] of Object.entries(MODIFIERS)) add(k, { modifier: v });
for (const [k, v] of Object.entries(NEUTRAL_CUES)) add(k, { neutral: v });
for (const k of NEGATORS) add(k, { negator: true });
for (const k of CONTRASTS) add(k, { contrast: true });
for (const k of CONCESSIVES) add(k, { concessive: true });
for (const k of SARCASM_MARKERS) add(k, { sarcasm: true });
for (const k of SUGGESTIONS) add(k, { suggestion: true });
// Longest stems first so that "decepcionad" wins over "decepc".
stems.sort((a, b) => b[0].length - a[0].length);

type Token =
  | { kind: 'word'; norm: string; alt: string; emphatic: boolean }
  | { kind: 'emoji'; valence: number }
  | { kind: 'punct'; text: string };

const TOKEN_RE =
  /(>:\(|:'\(|[:;=]-?[)(dDpP/|]|<3)|(\p{Extended_Pictographic}\uFE0F?)|([\p{L}\p{N}]+(?:['’][\p{L}]+)?)|([.!?,;…]+)/gu;

/** Lower-cases and strips accents (NFD, drop combining marks). */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const [, emoticon, emoji, word, punct] = m;
    if (emoticon) {
      const key = emoticon.toLowerCase();
      tokens.push({ kind: 'word', norm: key, alt: key, emphatic: false });
    } else if (emoji) {
      tokens.push({
        kind: 'emoji',
        valence: EMOJI_VALENCE[emoji] ?? EMOJI_VALENCE[emoji.replace('\uFE0F', '')] ?? 0,
      });
    } else if (word) {
      let folded = foldText(word).replace('’', "'");
      if (/^(k{3,}|(ha){2,}h?|(he){2,}|(rs){1,})$/.test(folded))
        folded = folded.startsWith('k') ? 'kkk' : folded.startsWith('r') ? 'rs' : 'haha';
      const repeated = /(\p{L})\1\1/u.test(folded);
      const norm = folded.replace(/(\p{L})\1{2,}/gu, '$1$1');
      const alt = folded.replace(/(\p{L})\1+/gu, '$1');
      const caps = word.length >= 3 && word === word.toUpperCase() && word !== word.toLowerCase();
      tokens.push({ kind: 'word', norm, alt, emphatic: repeated || caps });
    } else if (punct) {
      tokens.push({ kind: 'punct', text: punct });
    }
  }
  return tokens;
}

function lookupPhrase(key: string, locale: SentimentLocale): Entry | undefined {
  return locale === 'en' || !ENGLISH_ONLY.has(key) ? phrases.get(key) : undefined;
}

function lookupWord(token: { norm: string; alt: string }, locale: SentimentLocale): Entry | undefined {
  const exact = lookupPhrase(token.norm, locale) ?? lookupPhrase(token.alt, locale);
  if (exact) return exact;
  for (const [stem, entry] of stems) {
    if (token.norm.startsWith(stem) || token.alt.startsWith(stem)) return entry;
  }
  return undefined;
}

interface Unit {
  entry: Entry;
  key: string;
  emphatic: boolean;
  /** Index of the clause (split at any punctuation) and of the sentence (split at . ! ? …). */
  clause: number;
  sentence: number;
  /** True when the unit opens its clause and is followed by punctuation ("Ótimo, ..."). */
  standalone: boolean;
}

interface Sentence {
  question: boolean;
  exclamations: number;
}

function segment(
  tokens: Token[],
  locale: SentimentLocale,
): { units: Unit[]; sentences: Sentence[]; emoji: Array<{ v: number; sentence: number }> } {
  const units: Unit[] = [];
  const sentences: Sentence[] = [{ question: false, exclamations: 0 }];
  const emoji: Array<{ v: number; sentence: number }> = [];
  let clause = 0;
  let clauseStart = true;
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (t.kind === 'punct') {
      const current = sentences[sentences.length - 1] as Sentence;
      if (t.text.includes('?')) current.question = true;
      current.exclamations += [...t.text].filter((c) => c === '!').length;
      clause++;
      clauseStart = true;
      if (/[.!?…;]/.test(t.text)) sentences.push({ question: false, exclamations: 0 });
      i++;
      continue;
    }
    if (t.kind === 'emoji') {
      emoji.push({ v: t.valence, sentence: sentences.length - 1 });
      i++;
      continue;
    }
    // Longest phrase starting here, over consecutive words.
    let matched: { entry: Entry; length: number; key: string } | undefined;
    const words: string[] = [];
    for (let j = i; j < tokens.length && j < i + MAX_PHRASE; j++) {
      const w = tokens[j] as Token;
      if (w.kind !== 'word') break;
      words.push(w.norm);
      if (words.length === 1) {
        const entry = lookupWord(w, locale);
        if (entry)
          matched = { entry, length: 1, key: phrases.has(w.alt) && !phrases.has(w.norm) ? w.alt : w.norm };
        continue;
      }
      const key = words.join(' ');
      const entry = lookupPhrase(key, locale);
      if (entry) matched = { entry, length: words.length, key };
    }
    const length = matched?.length ?? 1;
    if (matched) {
      const next = tokens[i + length];
      const emphatic = tokens.slice(i, i + length).some((w) => w.kind === 'word' && w.emphatic);
      units.push({
        entry: matched.entry,
        key: matched.key,
        emphatic,
        clause,
        sentence: sentences.length - 1,
        standalone: clauseStart && (next === undefined || next.kind === 'punct'),
      });
    }
    clauseStart = clauseStart && t.kind === 'word' && INTERJECTIONS.has(t.norm) && !matched?.entry.valence;
    i += length;
  }
  return { units, sentences, emoji };
}

/** Detects pt-BR or English from function words; ties go to pt-BR, the shop's main language. */
export function detectLocale(text: string): SentimentLocale {
  let pt = 0;
  let en = 0;
  for (const word of foldText(text).match(/[\p{L}']+/gu) ?? []) {
    if (PT_WORDS.has(word)) pt++;
    if (EN_WORDS.has(word)) en++;
  }
  if (/[ãõçáéíóúâêô]/i.test(text)) pt += 2;
  return en > pt ? 'en' : 'pt-BR';
}

/**
 * The inputs of the fitted model, in order: valence sums (non-negative, by sign) of the hand-written lexicon split
 * by how the text frames them, counts of cues, the AFINN-pt sums and the length. How much each counts is learned
 * (see `fit.ts`); the analysis itself has no fitted constants.
 */
export const LEXICON_FEATURES = [
  'positive', // praise, plainly said (emoji included: reviews have too few to weigh them apart)
  'negative', // complaint, plainly said (irony included)
  'hedgedPositive', // praise before "mas"/"but" or in a concessive clause
  'hedgedNegative',
  'questionPositive', // sentiment words inside a question
  'questionNegative',
  'negatedPraise', // "não é bom"
  'negatedComplaint', // "não é ruim"
  'absentComplaint', // "sem defeito", "no scratches"
  'negators', // "não", "nunca", "nada": complaints are full of them
  'emphaticPositive', // "ÓTIMO", "amei demaaais"
  'emphaticNegative',
  'exclaimedPositive', // valence of sentences ending in "!", by the number of marks (at most three)
  'exclaimedNegative',
  'exclamations',
  'neutralCues', // "razoável", "pelo preço", "ok"
  'lukewarm', // mild praise words ("bom", "legal")
  'contrasts', // "mas", "porém", "but"
  'diminished', // sentiment softened by "um pouco", "meio", "a bit"
  'suggestions', // "deveria", "poderia", "faltou"
  'firstPositive', // the first sentence that says anything
  'firstNegative',
  'mixed', // the smaller of the two polarity totals
  'lastPositive', // the last sentence that says anything: reviews end on their verdict
  'lastNegative',
  'afinnPositive',
  'afinnNegative',
  'logWords',
] as const;

/** Name of one input of the fitted model. */
export type LexiconFeature = (typeof LEXICON_FEATURES)[number];

/** The analysis of one text: one number per feature. */
export type LexiconAnalysis = Record<LexiconFeature, number>;

interface Item {
  v: number;
  sentence: number;
  opener: boolean;
  polite: boolean;
  emphatic: boolean;
  emoji: boolean;
  hedged: boolean;
  negation: 'none' | 'not' | 'absence';
  key?: string;
  ironic?: boolean;
}

/** Analyses a text: negation, modifiers, contrast, questions, emphasis, "!", emoji, sarcasm and AFINN-pt. */
export function analyseText(text: string, options: { locale?: SentimentLocale } = {}): LexiconAnalysis {
  const locale = options.locale ?? detectLocale(text);
  const tokens = tokenize(text);
  const { units, sentences, emoji } = segment(tokens, locale);
  const features = Object.fromEntries(LEXICON_FEATURES.map((f) => [f, 0])) as LexiconAnalysis;
  const items: Item[] = [];
  let negateClause = -1;
  let negateLeft = 0;
  let absence = false;
  let modifier = 1;
  let modifierLeft = 0;
  let concessiveClause = -1;
  let afterContrast = false;
  for (const [index, unit] of units.entries()) {
    const { entry } = unit;
    if (negateLeft > 0 && unit.clause !== negateClause) negateLeft = 0;
    if (modifierLeft > 0 && index > 0 && unit.clause !== (units[index - 1] as Unit).clause) modifierLeft = 0;
    if (entry.neutral) features.neutralCues += entry.neutral;
    if (entry.suggestion) features.suggestions += 1;
    const base = { opener: false, polite: false, emphatic: false, emoji: false, hedged: false } as const;
    if (entry.sarcasm) {
      // "Show de bola, só que não": the praise before an irony marker is part of the irony.
      for (const item of items) if (item.v > 0) item.ironic = true;
      items.push({ ...base, v: -3, sentence: unit.sentence, negation: 'none' });
      continue;
    }
    if (entry.contrast) {
      // What came before a contrast is hedged; what follows is the writer's point.
      for (const item of items) item.hedged = true;
      afterContrast = true;
      features.contrasts += 1;
      negateLeft = 0;
      continue;
    }
    if (entry.concessive) {
      concessiveClause = unit.clause;
      continue;
    }
    if (entry.negator) {
      absence = ABSENCE.has(unit.key);
      if (!absence) features.negators += 1;
      negateLeft = 3;
      negateClause = unit.clause;
      continue;
    }
    if (entry.valence === undefined && entry.modifier !== undefined) {
      if (POST_MODIFIERS.has(unit.key)) {
        const last = items[items.length - 1];
        if (last && index > 0 && (units[index - 1] as Unit).entry.valence !== undefined)
          last.v *= entry.modifier;
        continue;
      }
      modifier *= entry.modifier;
      modifierLeft = 2;
      continue;
    }
    if (entry.valence === undefined || entry.valence === 0) {
      if (negateLeft > 0) negateLeft--;
      if (modifierLeft > 0 && --modifierLeft === 0) modifier = 1;
      continue;
    }
    const v = entry.valence * (modifierLeft > 0 ? modifier : 1);
    if (modifierLeft > 0 && modifier < 1) features.diminished += 1;
    const negation = negateLeft > 0 ? (absence ? 'absence' : 'not') : 'none';
    negateLeft = 0;
    modifier = 1;
    modifierLeft = 0;
    items.push({
      v,
      sentence: unit.sentence,
      opener: unit.standalone && SARCASM_OPENERS.has(unit.key) && v > 0,
      key: unit.key,
      negation,
      polite: POLITE.has(unit.key),
      emphatic: unit.emphatic,
      emoji: false,
      hedged: unit.clause === concessiveClause && !afterContrast,
    });
  }
  for (const e of emoji)
    items.push({
      v: e.v,
      sentence: e.sentence,
      negation: 'none',
      opener: false,
      polite: false,
      emphatic: false,
      emoji: true,
      hedged: false,
    });

  const complaint =
    items.filter((i) => !i.opener && i.negation === 'none' && i.v < 0).reduce((sum, i) => sum - i.v, 0) +
    items.filter((i) => i.negation === 'not' && i.v > 0).reduce((sum, i) => sum + i.v, 0) +
    features.negators * 0.5;
  // "Ótimo, mais um atraso": praise that opens a complaint is irony, and so is the rest of the message's praise.
  const ironic = items.some((i) => i.opener) && complaint >= 1.5;
  let totalPositive = 0;
  let totalNegative = 0;
  const bySentence = new Map<number, { positive: number; negative: number }>();
  for (const item of items) {
    let v = item.v;
    if (item.ironic || (ironic && (item.opener || SARCASM_OPENERS.has(item.key ?? '')))) v = -Math.abs(v);
    // "... resolvam isso, obrigado": thanks that close a complaint are politeness, not praise.
    else if (item.polite && complaint >= 1.5) v *= 0.3;
    const size = Math.abs(v);
    const sentence = sentences[item.sentence] as Sentence;
    let signed = v;
    if (item.negation === 'not') {
      if (v > 0) features.negatedPraise += size;
      else features.negatedComplaint += size;
      signed = -v;
    } else if (item.negation === 'absence') {
      if (v > 0) features.negatedPraise += size;
      else features.absentComplaint += size;
      signed = -v;
    } else if (sentence.question && !item.emoji) {
      if (v > 0) features.questionPositive += size;
      else features.questionNegative += size;
    } else if (item.hedged && !item.emoji) {
      if (v > 0) features.hedgedPositive += size;
      else features.hedgedNegative += size;
    } else if (v > 0) features.positive += size;
    else features.negative += size;
    if (item.emphatic) {
      if (signed > 0) features.emphaticPositive += size;
      else features.emphaticNegative += size;
    }
    const marks = Math.min(sentence.exclamations, 3);
    if (marks > 0 && !sentence.question) {
      if (signed > 0) features.exclaimedPositive += size * marks;
      else features.exclaimedNegative += size * marks;
    }
    if (signed > 0 && size <= 1.2 && !item.polite && item.negation === 'none' && !item.emoji)
      features.lukewarm += 1;
    if (item.negation === 'absence') signed *= 0.6;
    if (signed > 0) totalPositive += signed;
    else totalNegative -= signed;
    const s = bySentence.get(item.sentence) ?? { positive: 0, negative: 0 };
    if (signed > 0) s.positive += signed;
    else s.negative -= signed;
    bySentence.set(item.sentence, s);
  }
  features.exclamations = Math.min(
    sentences.reduce((sum, s) => sum + s.exclamations, 0),
    5,
  );
  features.mixed = Math.min(totalPositive, totalNegative);
  const last = bySentence.get(Math.max(-1, ...bySentence.keys()));
  const first = bySentence.get(Math.min(Number.POSITIVE_INFINITY, ...bySentence.keys()));
  features.firstPositive = first?.positive ?? 0;
  features.firstNegative = first?.negative ?? 0;
  features.lastPositive = last?.positive ?? 0;
  features.lastNegative = last?.negative ?? 0;
  if (locale === 'pt-BR') {
    const afinn = afinnValence(clausesOf(tokens));
    features.afinnPositive = afinn.positive;
    features.afinnNegative = afinn.negative;
  }
  features.logWords = Math.log1p(tokens.filter((t) => t.kind === 'word').length);
  return features;
}

/** The words of each clause (split at punctuation), for AFINN-pt. */
function clausesOf(tokens: readonly Token[]): string[][] {
  const clauses: string[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'punct') clauses.push([]);
    else if (t.kind === 'word') (clauses[clauses.length - 1] as string[]).push(t.norm);
  }
  return clauses.filter((c) => c.length > 0);
}

/** The analysis as a vector in `LEXICON_FEATURES` order. */
export function featureVector(analysis: LexiconAnalysis): number[] {
  return LEXICON_FEATURES.map((f) => analysis[f]);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Classifies one text with the embedded lexicon and the fitted weights; synchronous and deterministic. */
export function classifyByLexicon(
  text: string,
  options: ClassifyOptions & { model?: SoftmaxModel } = {},
): SentimentResult {
  const model = options.model ?? LEXICON_MODEL;
  const locale = toSentimentLocale(options.locale) ?? detectLocale(text);
  const [neg, neu, pos] = predictProbabilities(model, featureVector(analyseText(text, { locale }))) as [
    number,
    number,
    number,
  ];
  const scores = { negative: round(neg), neutral: round(neu), positive: round(pos) };
  const label = pos > neu && pos > neg ? 'positive' : neg > neu && neg >= pos ? 'negative' : 'neutral';
  return { label, confidence: round(Math.max(neg, neu, pos)), scores, locale, method: 'lexicon' };
}

/** The embedded classifier as a `SentimentClassifier`: no network, no model download, answers in microseconds. */
export function createLexiconClassifier(options: { model?: SoftmaxModel } = {}): SentimentClassifier {
  return {
    async classify(text, opts = {}) {
      return classifyByLexicon(text, { ...opts, ...(options.model ? { model: options.model } : {}) });
    },
  };
}
