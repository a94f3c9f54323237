import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { stemmer as portugueseStemmer } from '@orama/stemmers/portuguese';
import { stopwords as englishStopWords } from '@orama/stopwords/english';
import { stopwords as portugueseStopWords } from '@orama/stopwords/portuguese';
import {
  contentWords,
  cosine,
  createVectorIndex,
  fitNgramSpace,
  type SparseVector,
} from '../runtime/char-ngrams.js';
import type { FaqEntry, OutOfScope } from './knowledge-base.js';
import { detectLocale, foldDiacritics, type Locale } from './locale.js';

/**
 * One search result: the entry, its BM25 score, and the share of query terms its question, paraphrases or
 * keywords hold.
 */
export interface Hit {
  entry: FaqEntry;
  /** Orama BM25 score with field boosts; comparable only within one search. */
  score: number;
  /** 0..1: query terms in the question, paraphrases or keywords count 1; terms only in the answer count 0.4. */
  coverage: number;
  /**
   * 0..1: the share of query terms that no entry mentions anywhere ("bitcoin", "celular"); numbers do not count.
   * The same for every hit of one search; absent means 0.
   */
  novelty?: number;
  /**
   * 0..1: the best cosine, in a character n-gram TF-IDF space, between the query's content words and the entry's
   * question, one of its paraphrases or its keywords; robust to typos, plurals and missing accents.
   */
  similarity?: number;
  /**
   * 0..1: how much nearer (character n-gram cosine, in one space fitted on both) the query is to the closest
   * example of what the help centre does not answer than to the closest question or paraphrase of the FAQ; 0 when
   * it is nearer the FAQ or no examples were given. The same for every hit of one search.
   */
  outOfScope?: number;
}

/** Options of {@link Retriever.search}. */
export interface SearchOptions {
  /** Index to search; detected from the text when absent. */
  locale?: Locale;
  /** Maximum number of hits; 5 when absent. */
  limit?: number;
}

/**
 * Full-text search over the knowledge base, one index per locale; hits are ranked by their score weighted by their
 * coverage, so the first hit's score is not always the highest.
 */
export interface Retriever {
  /** Returns the best entries for a shopper's text, best first; an empty array when nothing matches. */
  search(text: string, opts?: SearchOptions): Promise<Hit[]>;
  /** The indexed entries. */
  readonly entries: readonly FaqEntry[];
}

/** Options of {@link createRetriever}. */
export interface RetrieverOptions {
  entries: readonly FaqEntry[];
  /** Examples of questions the help centre does not answer, per language (`out-of-scope.json`). */
  outOfScope?: OutOfScope;
}

// Question, paraphrases and keywords say what an entry is about; the answer mentions many side topics, so it
// weighs least.
const BOOST = { question: 3, paraphrases: 2, keywords: 2.5, answer: 1 } as const;
const ANSWER_ONLY_WEIGHT = 0.4;
// BM25 favours short entries that share one frequent word ("pagar", "pix"); weighting the score by the share of
// the query an entry covers ranks "o pix venceu" on the expired-Pix entry, not on the generic Pix one. A few more
// hits than asked are fetched so that the reweighting can lift one from just below the limit.
const COVERAGE_FLOOR = 0.25;
const RERANK_EXTRA = 5;
// The final rank mixes the BM25 score (relative to the best of the search, weighted by coverage) with the
// character n-gram similarity; an entry neither finds is no hit.
const BM25_WEIGHT = 1;
const SIMILARITY_WEIGHT = 1;
const CENTROID_SHARE = 0.5;
// A word whose n-grams are this close to a word of the entries is that word misspelt, not an unknown one.
const NEAR_WORD = 0.6;
const SIMILARITY_FLOOR = 0.3;
const schema = {
  entryId: 'string',
  question: 'string',
  paraphrases: 'string',
  keywords: 'string',
  answer: 'string',
} as const;

// Chat filler ("quero saber", "I'd like to know") that the generic stop-word lists keep but that says nothing
// about the topic; left in, it ranks short entries that happen to use the same verb.
const PT_FILLER = [
  'quero',
  'queria',
  'gostaria',
  'saber',
  'fazer',
  'faço',
  'posso',
  'pode',
  'consigo',
  'preciso',
  'tem',
  'têm',
  'ter',
  'quanto',
  'tempo',
  'vocês',
  'oi',
  'olá',
  'bom',
  'boa',
  'dia',
  'tarde',
  'noite',
  'obrigado',
  'obrigada',
  'favor',
  'ajuda',
  'ajudar',
  'dúvida',
  'sobre',
  'vc',
  'vcs',
  'pra',
  'pro',
  'aí',
  'gente',
  'tava',
  'tá',
  'ta',
  'tô',
  'to',
  'aceita',
  'aceitam',
  // Thanks, greetings and chat shorthand.
  'valeu',
  'vlw',
  'obg',
  'ajudou',
  'blz',
  'beleza',
  'pfv',
  'pls',
  'oie',
];
const EN_FILLER = [
  'want',
  'like',
  'know',
  'need',
  'please',
  'hi',
  'hello',
  'thanks',
  'thank',
  'help',
  'question',
  'tell',
  'get',
  'can',
  'could',
  'would',
  'do',
  'does',
  'you',
  'i',
  'accept',
  'good',
  'morning',
  'evening',
  'hey',
  'thx',
  'pls',
  'plz',
];

// Greetings, thanks and chat shorthand: they say nothing about the topic even when a question is made only of
// function words, so they stay out of the function-word fallback too.
const SOCIAL = {
  pt: [
    'oi',
    'oie',
    'olá',
    'bom',
    'boa',
    'dia',
    'tarde',
    'noite',
    'obrigado',
    'obrigada',
    'valeu',
    'vlw',
    'obg',
    'ajudou',
    'blz',
    'beleza',
    'pfv',
    'pls',
    'favor',
    'gente',
    'ajuda',
    'ajudar',
    'dúvida',
  ],
  en: [
    'hi',
    'hello',
    'hey',
    'good',
    'morning',
    'evening',
    'thanks',
    'thank',
    'thx',
    'please',
    'pls',
    'plz',
    'help',
    'question',
    'there',
  ],
} as const;
// A function-word question needs this many words besides greetings: one function word ("quando?") asks nothing.
const FUNCTION_WORDS_MIN = 2;

type Lang = 'pt' | 'en';
const langOf = (locale: Locale): Lang => (locale === 'en' ? 'en' : 'pt');

/** Builds the Orama indexes for the given entries; MUST be given entries with unique ids. */
export function createRetriever({ entries, outOfScope }: RetrieverOptions): Retriever {
  const indexes = {
    pt: buildIndex('pt', entries, outOfScope?.pt ?? []),
    en: buildIndex('en', entries, outOfScope?.en ?? []),
  };
  const ready = Promise.all([indexes.pt.ready, indexes.en.ready]);

  const searchOne = async (index: Index, text: string, limit: number): Promise<Hit[]> => {
    const queryTerms = index.terms(text, 'question');
    const query = index.ngrams(text);
    // A question made only of words the stop-word lists drop ("e quanto tempo?") is still a question: its
    // n-grams are compared with the entries' wording with those words kept (greetings and thanks stay out).
    if (queryTerms.size === 0 && query.size === 0) return index.functionWordSearch(text, limit);
    const results = queryTerms.size
      ? await oramaSearch(index.db, {
          term: text,
          properties: ['question', 'paraphrases', 'keywords', 'answer'],
          boost: BOOST,
          limit: limit + RERANK_EXTRA,
        })
      : { hits: [] };
    const novelty = index.novelty(text);
    const outOfScope = index.outOfScope(text);
    const bm25 = new Map(results.hits.map((r) => [r.document.entryId as string, r.score]));
    const hits: Hit[] = [];
    for (const entry of entries) {
      const score = bm25.get(entry.id) ?? 0;
      const similarity = index.similarity(entry.id, query);
      if (score <= 0 && similarity < SIMILARITY_FLOOR) continue;
      hits.push({
        entry,
        score,
        coverage: index.coverage(entry.id, queryTerms),
        novelty,
        similarity,
        outOfScope,
      });
    }
    const top = Math.max(0, ...hits.map((h) => h.score));
    const rank = (hit: Hit) =>
      BM25_WEIGHT * (top ? hit.score / top : 0) * ((COVERAGE_FLOOR + hit.coverage) / (COVERAGE_FLOOR + 1)) +
      SIMILARITY_WEIGHT * (hit.similarity ?? 0);
    return hits.sort((a, b) => rank(b) - rank(a)).slice(0, limit);
  };

  return {
    entries,
    async search(text, opts = {}) {
      await ready;
      const locale = opts.locale ?? detectLocale(text);
      const index = indexes[langOf(locale)];
      const limit = opts.limit ?? 5;
      const whole = await searchOne(index, text, limit);
      const parts = clausesOf(text).filter((c) => index.ngrams(c).size > 0);
      // A two-part question ("quais as formas de pagamento e parcela em quantas vezes?") searched whole ranks
      // the entry that shares most words with both parts; when it opens with a question or a request and two
      // parts each have a clear answer of their own, those answers come first, in the order asked, and the whole
      // message's ranking follows. A message that opens with what happened ("cancelei e paguei no crédito,
      // quando cai o estorno?") is one question with its context: searched whole.
      if (parts.length < 2 || whole.length === 0 || !asks(parts[0] ?? '')) return whole;
      const ordered: Hit[] = [];
      for (const part of parts) {
        const [best] = await searchOne(index, part, 1);
        if (!best || !clearAnswer(best)) continue;
        if (ordered.some((h) => h.entry.id === best.entry.id)) continue;
        ordered.push(whole.find((h) => h.entry.id === best.entry.id) ?? best);
      }
      if (ordered.length < 2) return whole;
      const rest = whole.filter((h) => !ordered.some((o) => o.entry.id === h.entry.id));
      return [...ordered, ...rest].slice(0, limit);
    },
  };
}

type Index = ReturnType<typeof buildIndex>;

// A clause's best entry is a clear answer to it when its wording is this close (n-gram similarity) and it holds
// at least this share of the clause's terms.
const CLAUSE_MIN_SIMILARITY = 0.4;
const CLAUSE_MIN_COVERAGE = 0.5;
const clearAnswer = (hit: Hit) =>
  (hit.similarity ?? 0) >= CLAUSE_MIN_SIMILARITY && hit.coverage >= CLAUSE_MIN_COVERAGE;

// Words that make a clause a question or a request rather than an account of what happened.
const ASKING =
  /^(?:qual|quais|como|quando|onde|cad[eê]|quanto|quantos|quantas|posso|pode|podem|d[aá]|tem|t[eê]m|existe|aceitam?|voc[eê]s?|vcs?|quero|queria|gostaria|preciso|what|which|how|when|where|can|could|do|does|is|are|will|would|may|i need|i want|i'd like|please)\b/iu;
/** Whether a clause asks something: a question mark after it in the message is not needed. */
const asks = (clause: string) =>
  ASKING.test(foldDiacritics(clause.trim()).replace(/^(?:e|and|so|ent[aã]o)\s+/u, ''));

/**
 * The clauses of a message, in the order written: split at sentence ends, commas, semicolons and the words that
 * join two requests ("e", "and", "also", "também", "mas", "but"). The orchestrator's router cuts messages the
 * same way to send each part to its agent.
 */
export function clausesOf(text: string): string[] {
  return text
    .split(/[?!;.\n]+|,\s*|\s+(?:e|and|also|tamb[eé]m|al[eé]m disso|mas|but)\s+/iu)
    .map((c) => c.trim().replace(/^(?:e|and|also|mas|but)\s+/iu, ''))
    .filter((c) => c.length > 0);
}

/**
 * How much nearer a query's words are to the nearest out-of-scope example than to the nearest FAQ phrase, 0 when
 * nearer the FAQ: both in one space fitted on both, so that the words only the examples use ("pizza", "weather")
 * count.
 */
function outOfScopeMeasure(faqWords: string[][], exampleWords: string[][]): (words: string[]) => number {
  const space = fitNgramSpace([...faqWords, ...exampleWords]);
  const nearest = (list: string[][]) => {
    const index = createVectorIndex(list.map((words) => space.vector(words)));
    return (query: SparseVector) => {
      let best = 0;
      for (const dot of index.dots(query)) best = Math.max(best, dot);
      return best;
    };
  };
  const faq = nearest(faqWords);
  const example = nearest(exampleWords);
  return (words) => {
    const query = space.vector(words);
    return Math.max(0, example(query) - faq(query));
  };
}

function buildIndex(lang: Lang, entries: readonly FaqEntry[], examples: readonly string[]) {
  const tokenizer =
    lang === 'pt'
      ? {
          language: 'portuguese' as const,
          stemmer: withEndMark(accentTolerantStemmer(entries)),
          // Shoppers type "nao", "voce": the folded forms must be stop words too.
          stopWords: withFoldedForms([...portugueseStopWords, ...PT_FILLER]),
        }
      : {
          language: 'english' as const,
          stemmer: withEndMark(englishStemmer),
          stopWords: withFoldedForms([...englishStopWords, ...EN_FILLER]),
        };
  const db = create({ schema, components: { tokenizer } });
  const docs = entries.map((entry) => ({
    entryId: entry.id,
    question: entry.question[lang],
    paraphrases: entry.paraphrases[lang].join(' ; '),
    keywords: entry.keywords[lang].join(' ; '),
    answer: entry.answer[lang],
  }));
  const ready = Promise.resolve(insertMultiple(db, docs));

  const terms = (text: string, prop: string) => new Set(db.tokenizer.tokenize(text, undefined, prop));
  const strong = new Map<string, Set<string>>();
  const weak = new Map<string, Set<string>>();
  for (const doc of docs) {
    strong.set(
      doc.entryId,
      new Set([
        ...terms(doc.question, 'question'),
        ...terms(doc.paraphrases, 'question'),
        ...terms(doc.keywords, 'question'),
      ]),
    );
    weak.set(doc.entryId, terms(doc.answer, 'question'));
  }

  const vocabulary = new Set([...strong.values(), ...weak.values()].flatMap((terms) => [...terms]));

  // Character n-grams: every question, paraphrase and the keywords of an entry are phrases of their own.
  const stop = new Set(tokenizer.stopWords.map(foldDiacritics));
  const phrases = new Map<string, string[][]>();
  for (const entry of entries) {
    phrases.set(
      entry.id,
      [entry.question[lang], ...entry.paraphrases[lang], entry.keywords[lang].join(' ')]
        .map((p) => contentWords(p, stop))
        .filter((words) => words.length > 0),
    );
  }
  const space = fitNgramSpace([...phrases.values()].flat());
  const vectors = new Map([...phrases].map(([id, list]) => [id, list.map((words) => space.vector(words))]));
  // The folded words the entries use, as n-gram vectors: a shopper's typo ("shiping", "cupon") is near one.
  const known = [
    ...new Set(
      [...phrases.values()].flat(2).concat(entries.flatMap((e) => contentWords(e.answer[lang], stop))),
    ),
  ].map((word) => space.vector([word]));
  const near = new Map<string, boolean>();
  const nearKnown = (word: string) => {
    let found = near.get(word);
    if (found === undefined) {
      const v = space.vector([word]);
      found = known.some((k) => cosine(v, k) >= NEAR_WORD);
      if (near.size < 10_000) near.set(word, found);
    }
    return found;
  };
  const centroids = new Map([...phrases].map(([id, list]) => [id, space.vector(list.flat())]));

  // The same phrases with the stop words kept, for questions made only of them; only greetings and thanks out.
  const social = new Set(withFoldedForms(SOCIAL[lang]).map(foldDiacritics));
  const loosePhrases = new Map(
    entries.map((entry) => [
      entry.id,
      [entry.question[lang], ...entry.paraphrases[lang]]
        .map((p) => contentWords(p, social))
        .filter((words) => words.length > 0),
    ]),
  );
  const looseSpace = fitNgramSpace([...loosePhrases.values()].flat());
  const looseVectors = new Map(
    [...loosePhrases].map(([id, list]) => [id, list.map((words) => looseSpace.vector(words))]),
  );
  const looseCentroids = new Map([...loosePhrases].map(([id, list]) => [id, looseSpace.vector(list.flat())]));
  // Each entry's phrase vectors and its centroid, indexed together: one pass over the query's n-grams gives its
  // similarity to every entry (a search compares the query with all of them).
  const indexed = (lists: Map<string, SparseVector[]>, centroidOf: Map<string, SparseVector>) => {
    const all: SparseVector[] = [];
    const ranges = new Map<string, { from: number; to: number; centroid: number }>();
    for (const [id, list] of lists) {
      const from = all.length;
      all.push(...list);
      ranges.set(id, { from, to: all.length, centroid: all.push(centroidOf.get(id) ?? new Map()) - 1 });
    }
    const index = createVectorIndex(all);
    return (id: string, query: SparseVector): number => {
      const range = ranges.get(id);
      if (!range) return 0;
      const dots = index.dots(query);
      let best = 0;
      for (let i = range.from; i < range.to; i += 1) best = Math.max(best, dots[i] as number);
      return (1 - CENTROID_SHARE) * best + CENTROID_SHARE * (dots[range.centroid] as number);
    };
  };
  const mix = indexed(vectors, centroids);
  const looseMix = indexed(looseVectors, looseCentroids);

  const exampleWords = examples.map((e) => contentWords(e, stop)).filter((words) => words.length > 0);
  const outOfScope = exampleWords.length
    ? outOfScopeMeasure([...phrases.values()].flat(), exampleWords)
    : () => 0;

  return {
    db,
    ready,
    terms,
    ngrams: (text: string): SparseVector => space.vector(contentWords(text, stop)),
    similarity(id: string, query: SparseVector): number {
      return mix(id, query);
    },
    /**
     * Hits for a text whose words are all stop words: n-gram similarity to the entries' questions and
     * paraphrases with stop words kept; no BM25 score and no coverage, so the answer is at most a guess to
     * confirm. Empty for greetings and thanks and for fewer than two other words.
     */
    functionWordSearch(text: string, limit: number): Hit[] {
      const words = contentWords(text, social);
      if (words.length < FUNCTION_WORDS_MIN) return [];
      const query = looseSpace.vector(words);
      const hits: Hit[] = [];
      for (const entry of entries) {
        const similarity = looseMix(entry.id, query);
        if (similarity >= SIMILARITY_FLOOR)
          hits.push({ entry, score: 0, coverage: 0, novelty: 0, similarity });
      }
      return hits.sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0)).slice(0, limit);
    },
    outOfScope: (text: string): number => outOfScope(contentWords(text, stop)),
    novelty(text: string): number {
      let total = 0;
      let unknown = 0;
      (text.match(/\p{L}[\p{L}\d]*/gu) ?? []).forEach((word, position) => {
        const folded = foldDiacritics(word);
        if (folded.length < 3 || stop.has(folded) || /\d/.test(word)) return;
        total += 1;
        // A capitalised word after the first is a name (a city, a country, a brand): the shop's answers hold
        // for places and brands they do not list, so a name is no sign of an off-topic question.
        if (position > 0 && /^\p{Lu}/u.test(word)) return;
        if ([...terms(word, 'question')].every((t) => vocabulary.has(t))) return;
        if (nearKnown(folded)) return;
        unknown += 1;
      });
      return total === 0 ? 0 : unknown / total;
    },
    coverage(id: string, query: Set<string>): number {
      let sum = 0;
      for (const term of query) {
        if (strong.get(id)?.has(term)) sum += 1;
        else if (weak.get(id)?.has(term)) sum += ANSWER_ONLY_WEIGHT;
      }
      return query.size === 0 ? 0 : sum / query.size;
    },
  };
}

/**
 * Orama matches query terms as prefixes of indexed terms ("bolo" would hit "boleto"), and its `exact` option
 * compares raw text instead of stems; a mark at the end of every stem makes prefix matching whole-stem matching.
 */
function withEndMark(stemmer: (word: string) => string): (word: string) => string {
  // Orama stems the empty strings its splitter leaves behind; they must stay empty to be dropped.
  return (word) => (word === '' ? '' : `${stemmer(word)}_`);
}

function withFoldedForms(words: readonly string[]): string[] {
  return [...new Set([...words, ...words.map(foldDiacritics)])];
}

// Common endings whose accents shoppers drop: "devolucao" → "devolução", "cartoes" → "cartões".
const SUFFIX_ACCENTS: ReadonlyArray<[RegExp, string]> = [
  [/coes$/, 'ções'],
  [/cao$/, 'ção'],
  [/soes$/, 'sões'],
  [/sao$/, 'são'],
  [/oes$/, 'ões'],
  [/aes$/, 'ães'],
  [/ao$/, 'ão'],
  [/encia$/, 'ência'],
  [/ancia$/, 'ância'],
  [/avel$/, 'ável'],
  [/ivel$/, 'ível'],
];

/**
 * The Portuguese stemmer relies on accents ("devolução" → "devolu" but "devolucao" → "devoluca"), and Orama
 * folds diacritics only after stemming; so an unaccented word is first given back its accents, from the
 * corpus vocabulary or from common endings, and then stemmed.
 */
function accentTolerantStemmer(entries: readonly FaqEntry[]): (word: string) => string {
  const words = new Set<string>();
  for (const entry of entries) {
    const text = [entry.question.pt, entry.answer.pt, ...entry.keywords.pt, ...entry.paraphrases.pt]
      .join(' ')
      .toLowerCase();
    for (const word of text.split(/[^a-z0-9à-ú]+/)) if (word) words.add(word);
  }
  const accented = new Map<string, string>();
  for (const word of words) {
    const folded = foldDiacritics(word);
    // "esta"/"está", "e"/"é": when the bare form is itself a word, keep it.
    if (folded !== word && !words.has(folded) && !accented.has(folded)) accented.set(folded, word);
  }
  return (word) => {
    if (foldDiacritics(word) !== word || words.has(word)) return portugueseStemmer(word);
    let restored = accented.get(word);
    if (restored === undefined) {
      const rule = SUFFIX_ACCENTS.find(([pattern]) => pattern.test(word));
      restored = rule ? word.replace(rule[0], rule[1]) : word;
    }
    return portugueseStemmer(restored);
  };
}
