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
} from './lexicon-data.js';
import {
  type ClassifyOptions,
  type SentimentClassifier,
  type SentimentLocale,
  type SentimentResult,
  toSentimentLocale,
} from './sentiment.js';

/** Global weights of the embedded classifier; the defaults were fitted on review data, not per text. */
export interface LexiconParams {
  /** Slope of the positive/negative logits against the net valence. */
  slope: number;
  /** Net valence a text needs before `positive` beats `neutral`. */
  positiveThreshold: number;
  /** Net valence (as a magnitude) a text needs before `negative` beats `neutral`. */
  negativeThreshold: number;
  /** Pull towards `neutral` per unit of valence present on both sides (mixed messages). */
  mixedWeight: number;
  /** Pull towards `neutral` per unit of lukewarm cue ("razoável", "ok", "pelo preço"). */
  neutralCueWeight: number;
  /** Negative valence each negation word adds on its own: complaints are full of them. */
  negationCue: number;
  /** Factor applied to a negated praise word (it becomes a complaint). */
  negatedPositive: number;
  /** Factor applied to a negated complaint word (it becomes mild praise). */
  negatedNegative: number;
  /** Weight of what comes before a contrast word ("mas", "but"). */
  beforeContrast: number;
  /** Weight of what comes after a contrast word. */
  afterContrast: number;
  /** Pull towards `neutral` of each unintensified mild praise ("bom produto"), which star ratings read as lukewarm. */
  lukewarmWeight: number;
  /** Weight of sentiment words inside a question. */
  questionWeight: number;
  /** Extra weight per exclamation mark of a sentence (at most three count). */
  exclamationBoost: number;
  /** Weight of words written with repeated letters or in capitals ("ótimooo", "PÉSSIMO"). */
  emphasis: number;
}

/** Global weights fitted by a coarse grid search on the shared pt-BR dev reviews (macro-F1 0.703 there). */
export const DEFAULT_LEXICON_PARAMS: LexiconParams = {
  slope: 1.3,
  positiveThreshold: 2,
  negativeThreshold: 0.3,
  mixedWeight: 1.5,
  neutralCueWeight: 1.2,
  negationCue: 0.7,
  negatedPositive: 0.5,
  negatedNegative: 0,
  beforeContrast: 0.7,
  afterContrast: 1,
  questionWeight: 0.5,
  lukewarmWeight: 1.2,
  exclamationBoost: 0.15,
  emphasis: 1,
};

interface Entry {
  valence?: number;
  modifier?: number;
  neutral?: number;
  negator?: boolean;
  contrast?: boolean;
  concessive?: boolean;
  sarcasm?: boolean;
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

/** The valence sums behind one classification, for tests and tuning. */
export interface LexiconAnalysis {
  positive: number;
  negative: number;
  neutralCues: number;
}

/** Sums positive and negative valence of a text after negation, modifiers, contrast, emphasis and sarcasm. */
export function analyseText(
  text: string,
  options: { locale?: SentimentLocale; params?: LexiconParams } = {},
): LexiconAnalysis {
  const params = options.params ?? DEFAULT_LEXICON_PARAMS;
  const { units, sentences, emoji } = segment(tokenize(text), options.locale ?? detectLocale(text));
  // Sentence flags are complete only after segmentation, so questions are known before scoring.
  const items: Array<{
    v: number;
    sentence: number;
    opener: boolean;
    polite: boolean;
    weight: number;
    key?: string;
    negated?: boolean;
    ironic?: boolean;
  }> = [];
  let neutralCues = 0;
  let negationCue = 0;
  let negateClause = -1;
  let negateLeft = 0;
  let absence = false;
  let modifier = 1;
  let modifierLeft = 0;
  let concessiveClause = -1;
  for (const [index, unit] of units.entries()) {
    const { entry } = unit;
    if (negateLeft > 0 && unit.clause !== negateClause) negateLeft = 0;
    if (modifierLeft > 0 && index > 0 && unit.clause !== (units[index - 1] as Unit).clause) modifierLeft = 0;
    if (entry.neutral) neutralCues += entry.neutral;
    if (entry.sarcasm) {
      // "Show de bola, só que não": the praise before an irony marker is part of the irony.
      for (const item of items) if (item.v > 0) item.ironic = true;
      items.push({ v: -3, sentence: unit.sentence, opener: false, polite: false, weight: 1 });
      continue;
    }
    if (entry.contrast) {
      for (const item of items) item.weight *= params.beforeContrast;
      negateLeft = 0;
      continue;
    }
    if (entry.concessive) {
      concessiveClause = unit.clause;
      continue;
    }
    if (entry.negator) {
      absence = ABSENCE.has(unit.key);
      negationCue +=
        params.negationCue *
        ((sentences[unit.sentence] as Sentence).question ? params.questionWeight : 1) *
        (absence ? 0.5 : 1);
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
    let v = entry.valence * (modifierLeft > 0 ? modifier : 1);
    if (unit.emphatic) v *= params.emphasis;
    const negated = negateLeft > 0;
    if (negated) {
      v = v > 0 ? -v * params.negatedPositive : -v * (absence ? 0.6 : params.negatedNegative);
      negateLeft = 0;
    }
    modifier = 1;
    modifierLeft = 0;
    const afterContrast = units.slice(0, index).some((u) => u.entry.contrast);
    let weight = afterContrast ? params.afterContrast : 1;
    if (unit.clause === concessiveClause) weight *= 0.5;
    items.push({
      v,
      sentence: unit.sentence,
      opener: unit.standalone && SARCASM_OPENERS.has(unit.key) && v > 0,
      key: unit.key,
      negated,
      polite: POLITE.has(unit.key),
      weight,
    });
  }
  for (const e of emoji)
    items.push({ v: e.v, sentence: e.sentence, opener: false, polite: false, weight: 1 });

  const sentenceWeight = (s: number) => {
    const sentence = sentences[s] as Sentence;
    const boost = 1 + params.exclamationBoost * Math.min(sentence.exclamations, 3);
    return sentence.question ? params.questionWeight * boost : boost;
  };
  const complaint = items.filter((i) => !i.opener && i.v < 0).reduce((sum, i) => sum - i.v, 0) + negationCue;
  let positive = 0;
  let negative = negationCue;
  let lukewarm = 0;
  // "Ótimo, mais um atraso": praise that opens a complaint is irony, and so is the rest of the message's praise.
  const ironic = items.some((i) => i.opener) && complaint >= 1.5;
  for (const item of items) {
    let v = item.v * item.weight * sentenceWeight(item.sentence);
    if (item.ironic || (ironic && (item.opener || SARCASM_OPENERS.has(item.key ?? '')))) v = -Math.abs(v);
    // "... resolvam isso, obrigado": thanks that close a complaint are politeness, not praise.
    else if (item.polite && complaint >= 1.5) v *= 0.3;
    if (v > 0) positive += v;
    else negative -= v;
    if (v > 0 && v <= 1.2 && !item.polite && !item.negated) lukewarm += params.lukewarmWeight;
  }
  return { positive, negative, neutralCues: neutralCues + lukewarm };
}

function softmax(logits: [number, number, number]): [number, number, number] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max)) as [number, number, number];
  const total = exps[0] + exps[1] + exps[2];
  return exps.map((e) => e / total) as [number, number, number];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Classifies one text with the embedded lexicon; synchronous and deterministic. */
export function classifyByLexicon(
  text: string,
  options: ClassifyOptions & { params?: LexiconParams } = {},
): SentimentResult {
  const params = options.params ?? DEFAULT_LEXICON_PARAMS;
  const locale = toSentimentLocale(options.locale) ?? detectLocale(text);
  const { positive, negative, neutralCues } = analyseText(text, { locale, params });
  const net = positive - negative;
  const mixed = Math.min(positive, negative);
  const [neg, neu, pos] = softmax([
    params.slope * (-net - params.negativeThreshold),
    params.mixedWeight * mixed + params.neutralCueWeight * neutralCues,
    params.slope * (net - params.positiveThreshold),
  ]);
  const scores = { negative: round(neg), neutral: round(neu), positive: round(pos) };
  const label = pos > neu && pos > neg ? 'positive' : neg > neu && neg >= pos ? 'negative' : 'neutral';
  return {
    label,
    confidence: round(Math.max(neg, neu, pos)),
    scores,
    locale,
    method: 'lexicon',
  };
}

/** The embedded classifier as a `SentimentClassifier`: no network, no model, answers in microseconds. */
export function createLexiconClassifier(options: { params?: LexiconParams } = {}): SentimentClassifier {
  return {
    async classify(text, opts = {}) {
      return classifyByLexicon(text, { ...opts, ...(options.params ? { params: options.params } : {}) });
    },
  };
}
