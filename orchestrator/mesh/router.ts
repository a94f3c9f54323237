import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { stemmer as portugueseStemmer } from '@orama/stemmers/portuguese';
import { stopwords as englishStopWords } from '@orama/stopwords/english';
import { stopwords as portugueseStopWords } from '@orama/stopwords/portuguese';
import {
  contentWords,
  createVectorIndex,
  fitNgramSpace,
  foldDiacritics as fold,
  type SparseVector,
} from '../../agents/runtime/char-ngrams.js';
import type { SkillTarget } from './agent-directory.js';

// Chat words that the generic stop-word lists keep but that say nothing about what a shopper wants: greetings and
// thanks, "I want / can / need to know", question and quantity words, "today", "now".
const CHAT_WORDS = `uns umas pra pro sob sim aqui ali quais quanto quanta quantos onde porque ter ser vai vou fazer faco faz
  pode posso podem consigo quero queria gostaria preciso saber algum alguma alguns algumas todo toda todos todas menos
  muita ainda agora hoje favor obrigado obrigada ola bom boa dia tarde noite tudo bem
  yes mine without onto please thanks thank hello get got want need know tell much many less just also today now`;

// Words that say nothing about what a shopper wants (pt-BR and English, accents folded: shoppers type "nao", "voce").
const STOP_WORDS = new Set(
  [...portugueseStopWords, ...englishStopWords, ...CHAT_WORDS.split(/\s+/).filter(Boolean)].map(fold),
);

// Plural folds the Snowball stemmers do not make, applied first (accents already folded), the first that fits:
// "promoções" and "promoção" stem to "promoco" and "promoca", "papéis" and "papel" to "pap" and "papel", and a final
// nasal m is written n before the plural s ("cupom"/"cupons", "item"/"itens"), which neither stemmer joins.
const PLURAL_FOLDS: ReadonlyArray<[RegExp, string]> = [
  [/[oa]es$/, 'ao'],
  [/eis$/, 'el'],
  [/m$/, 'n'],
];

/**
 * The stem of a folded word, whatever its language: the plural folds, then the Portuguese and the English Snowball
 * stemmers in turn (a message's language is not known; each leaves the other language's words nearly whole), so
 * "pedidos" meets "pedido", "promoções" meets "promoção", "orders" meets "order" and "cupons" meets "cupom".
 */
function stem(word: string): string {
  const rule = word.length > 3 ? PLURAL_FOLDS.find(([ending]) => ending.test(word)) : undefined;
  const singular = rule ? word.replace(rule[0], rule[1]) : word;
  return englishStemmer(portugueseStemmer(singular));
}

/** The words of a text that can say what it is about: folded, stemmed, without stop words. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of fold(text).match(/\p{L}{3,}/gu) ?? []) {
    if (!STOP_WORDS.has(word)) out.push(stem(word));
  }
  return out;
}

// ——— The skill classifier ———
// Each skill is described by its card: every example and every tag is a document of its own, the name and the
// description one more. Texts become character n-gram (3–5) TF-IDF vectors over the words left after the stop
// words (typos, plurals, missing accents and both languages share n-grams); a message scores, for each skill,
// `NEAREST_SHARE` × its best cosine to one of the skill's documents (nearest neighbour: examples are few and
// varied) plus the rest × its cosine to the skill's centroid (all its documents at once). The model is fitted
// from the cards the moment they are seen and refitted when a card changes: no data but the cards, no download.

const NEAREST_SHARE = 0.6;
/** Below this score a skill is not a match; the fallback skill answers when none is. */
export const MIN_SKILL_SCORE = 0.12;
/** A clause of a two-part message asks for another agent's skill when it scores at least this much for it. */
export const SECOND_SKILL_MIN_SCORE = 0.3;

/** How much more than the fallback (FAQ) skill another skill must score to answer instead of it. */
export const FALLBACK_MARGIN = 0.05;

/** A clause asks for a skill only when it scores this much more for it than for any other skill. */
export const CLAUSE_MARGIN = 0.05;

const words = (text: string) => contentWords(text, STOP_WORDS);

/** The classifier fitted on a list of skills (the same skill objects, in the same order, reuse it). */
interface Classifier {
  skills: readonly SkillTarget['skill'][];
  /** Each skill's score for a message: nearest document and centroid, in the order of `skills`. */
  scores(text: string): number[];
}

function fitClassifier(skills: readonly SkillTarget['skill'][]): Classifier {
  const texts = skills.map((skill) =>
    [...skill.examples, ...skill.tags, `${skill.name} ${skill.description}`]
      .map(words)
      .filter((w) => w.length > 0),
  );
  const space = fitNgramSpace(texts.flat());
  // Every skill's documents and then its centroid, in one index: one pass over the message's n-grams scores all.
  const vectors: SparseVector[] = [];
  const ranges = texts.map((docs) => {
    const from = vectors.length;
    vectors.push(...docs.map((doc) => space.vector(doc)));
    return { from, to: vectors.length, centroid: vectors.push(space.vector(docs.flat())) - 1 };
  });
  const index = createVectorIndex(vectors);
  return {
    skills,
    scores(text) {
      const dots = index.dots(space.vector(words(text)));
      return ranges.map(({ from, to, centroid }) => {
        let nearest = 0;
        for (let i = from; i < to; i += 1) nearest = Math.max(nearest, dots[i] as number);
        return NEAREST_SHARE * nearest + (1 - NEAREST_SHARE) * (dots[centroid] as number);
      });
    },
  };
}

// The last fitted classifier: routing asks with the same cards message after message.
let fitted: Classifier | undefined;

function classifierFor(skills: readonly SkillTarget['skill'][]): Classifier {
  const same =
    fitted && fitted.skills.length === skills.length && fitted.skills.every((s, i) => s === skills[i]);
  if (!same) fitted = fitClassifier(skills);
  return fitted as Classifier;
}

/** A skill and how well the message matches its card (0..1). */
export interface ScoredSkill {
  target: SkillTarget;
  score: number;
  fallback: boolean;
}

/**
 * Scores every skill of the agents given by the classifier fitted on their cards. Best first; a skill tagged with
 * one of `fallbackTags` wins ties.
 */
export function scoreSkills(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): ScoredSkill[] {
  const targets = agents.flatMap((agent) => agent.card.skills.map((skill) => ({ agent, skill })));
  if (!targets.length) return [];
  const scores = classifierFor(targets.map((t) => t.skill)).scores(text);
  const scored = targets.map((target, i) => ({
    target,
    score: scores[i] as number,
    fallback: target.skill.tags.some((t) => options.fallbackTags.includes(t)),
  }));
  return scored.sort((a, b) => b.score - a.score || Number(b.fallback) - Number(a.fallback));
}

/**
 * Picks the skill that answers a message, among the agents given: the best-scoring one, or the fallback skill
 * when nothing scores `MIN_SKILL_SCORE`. Routing reads only cards, so an agent joins by publishing one.
 */
export function chooseSkill(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): SkillTarget | undefined {
  return firstOf(scoreSkills(agents, text, options));
}

/** The best of skills already scored, or the fallback when none matched. */
function firstOf(scored: ScoredSkill[]): SkillTarget | undefined {
  const best = scored[0];
  const fallback = scored.find((s) => s.fallback);
  if (!best || best.score < MIN_SKILL_SCORE) return fallback?.target;
  // A knowledge question often says "pedido" or "compra": another skill must beat the general one clearly.
  if (fallback && !best.fallback && best.score - fallback.score < FALLBACK_MARGIN) return fallback.target;
  return best.target;
}

/**
 * The clauses of a message, in the order written: split at sentence ends and at "e"/"and"/"also"/"tambem" or a
 * comma that starts another request. Clauses without a word that says something are dropped.
 */
export function clauses(text: string): string[] {
  return text
    .split(/[?!;.\n]+|,\s*|\s+(?:e|and|also|tamb[eé]m|alem disso|além disso|mas|but)\s+/iu)
    .map((c) => c.trim())
    .filter((c) => words(c).length > 0);
}

/** The skills that answer a message, in the order asked, and for a two-part message the words of each part. */
export interface ChosenSkills {
  first?: SkillTarget;
  second?: SkillTarget;
  /**
   * Two parts only: the clauses each answering skill is sent, so that each agent reads its own question ("where is
   * order 1042" to the orders agent, "can I still return it" to the FAQ). A clause that asks for neither clearly
   * goes with the fallback skill's part when one of the two is the fallback, else with the first part.
   */
  parts?: { first: string; second: string };
}

/**
 * Picks the skills that answer a message, in the order it asks them: each clause (see {@link clauses}) is
 * classified; when two clauses ask for skills of different agents, each clause scoring `SECOND_SKILL_MIN_SCORE`
 * for its skill, the first asked answers first and the other is the second, each with its own clauses. Otherwise
 * the whole message is classified once (see {@link chooseSkill}).
 */
export function chooseSkills(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): ChosenSkills {
  const first = firstOf(scoreSkills(agents, text, options));
  if (!first) return {};
  const asked: SkillTarget[] = [];
  const owner: (number | undefined)[] = [];
  const list = clauses(text);
  for (const clause of list) {
    const [best, next] = scoreSkills(agents, clause, options);
    if (!best || best.score < SECOND_SKILL_MIN_SCORE || (next && best.score - next.score < CLAUSE_MARGIN)) {
      owner.push(undefined);
      continue;
    }
    let index = asked.findIndex((t) => t.agent.baseUrl === best.target.agent.baseUrl);
    if (index < 0 && asked.length < 2) index = asked.push(best.target) - 1;
    owner.push(index < 0 ? undefined : index);
  }
  if (asked.length < 2) return { first };
  const isFallback = (t: SkillTarget | undefined) =>
    !!t?.skill.tags.some((tag) => options.fallbackTags.includes(tag));
  const rest = isFallback(asked[1]) ? 1 : 0;
  const partOf = (i: number) => list.filter((_, c) => (owner[c] ?? rest) === i).join('. ');
  return { first: asked[0], second: asked[1], parts: { first: partOf(0), second: partOf(1) } };
}
