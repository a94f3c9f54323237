import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { stemmer as portugueseStemmer } from '@orama/stemmers/portuguese';
import { stopwords as englishStopWords } from '@orama/stopwords/english';
import { stopwords as portugueseStopWords } from '@orama/stopwords/portuguese';
import type { SkillTarget } from './agent-directory.js';

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

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

// How much a card's mention of a word counts: tags are the skill's own keywords; examples are what shoppers say;
// the name and description are prose and count least.
const TAG_WEIGHT = 2;
const EXAMPLE_WEIGHT = 1.5;
const PROSE_WEIGHT = 0.5;

// A card's words are read once per card object (the directory replaces a card when it re-reads it), not per message.
const vocabularies = new WeakMap<SkillTarget['skill'], Map<string, number>>();

function vocabulary(skill: SkillTarget['skill']): Map<string, number> {
  const known = vocabularies.get(skill);
  if (known) return known;
  const weights = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const term of terms(text)) weights.set(term, Math.max(weights.get(term) ?? 0, weight));
  };
  add(`${skill.name} ${skill.description}`, PROSE_WEIGHT);
  for (const example of skill.examples) add(example, EXAMPLE_WEIGHT);
  for (const tag of skill.tags) add(tag, TAG_WEIGHT);
  vocabularies.set(skill, weights);
  return weights;
}

/** A skill and how well the message matches its card. */
export interface ScoredSkill {
  target: SkillTarget;
  score: number;
  fallback: boolean;
  /** The weight each message word adds to `score`. */
  matched: Map<string, number>;
}

/** How much a second skill must match on words the first skill's card does not know to answer beside it. */
export const SECOND_SKILL_MIN_SCORE = 1.5;

/**
 * Scores every skill by the words the message shares with its card, each word weighted by where the card says it
 * (tag, example, prose) and by how few skills say it (a word every skill knows decides nothing). Best first; a
 * skill tagged with one of `fallbackTags` wins ties, and answers when nothing else matches.
 */
export function scoreSkills(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): ScoredSkill[] {
  const skills = agents.flatMap((agent) =>
    agent.card.skills.map((skill) => ({
      target: { agent, skill },
      words: vocabulary(skill),
      fallback: skill.tags.some((t) => options.fallbackTags.includes(t)),
    })),
  );
  const message = new Set(terms(text));
  const knownBy = new Map<string, number>();
  for (const term of message) {
    knownBy.set(term, skills.filter((s) => s.words.has(term)).length);
  }
  const scored = skills.map(({ target, words, fallback }) => {
    let score = 0;
    const matched = new Map<string, number>();
    for (const term of message) {
      const weight = words.get(term);
      if (!weight) continue;
      const added = weight * Math.log(1 + skills.length / (knownBy.get(term) ?? 1));
      matched.set(term, added);
      score += added;
    }
    return { target, score, fallback, matched };
  });
  return scored.sort((a, b) => b.score - a.score || Number(b.fallback) - Number(a.fallback));
}

/**
 * Picks the skill that answers a message, among the agents given: the best-scoring one, or the fallback skill
 * when nothing scores. Routing reads only cards, so an agent joins by publishing one.
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
  if (best && best.score > 0) return best.target;
  return scored.find((s) => s.fallback)?.target;
}

/**
 * Picks the skills that answer a message from one scoring: the first (see {@link chooseSkill}) and, for a message
 * that asks two things ("onde está meu pedido? e tem cupom?"), a second — the best skill of another agent whose
 * match on words the first skill's card does not know reaches `SECOND_SKILL_MIN_SCORE`.
 */
export function chooseSkills(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): { first?: SkillTarget; second?: SkillTarget } {
  const scored = scoreSkills(agents, text, options);
  const first = firstOf(scored);
  if (!first) return {};
  const firstWords = vocabulary(first.skill);
  let best: { target: SkillTarget; score: number } | undefined;
  for (const candidate of scored) {
    if (candidate.target.agent.baseUrl === first.agent.baseUrl) continue;
    let own = 0;
    for (const [term, added] of candidate.matched) if (!firstWords.has(term)) own += added;
    if (own >= SECOND_SKILL_MIN_SCORE && (!best || own > best.score))
      best = { target: candidate.target, score: own };
  }
  return { first, second: best?.target };
}
