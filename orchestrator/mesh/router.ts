import type { SkillTarget } from './agent-directory.js';

// Words that say nothing about what a shopper wants (pt-BR and English, accents folded).
const STOP_WORDS = new Set(
  `a o as os um uma uns umas de do da dos das no na nos nas em por para pra pro com sem sob que se e ou mas
  ja nao sim eu tu ele ela nos vos eles elas me te lhe meu minha meus minhas teu tua seu sua seus suas nosso nossa
  este esta esse essa isto isso aquilo aqui ali la voce voces qual quais quando quanto quanta quantos como onde
  porque por que tem ter tenho temos estou esta estao estava foi ser sou sao era vai vou fazer faco faz pode posso
  podem consigo quero queria gostaria preciso saber algum alguma alguns algumas todo toda todos todas mais menos
  muito muita ainda agora hoje favor obrigado obrigada ola oi bom boa dia tarde noite tudo bem
  the an and or but not yes you your yours my mine our we they them his her its this that these those what which
  who whom when where why how can could would should will shall may might must have has had do does did am is are
  was were be been being for from with without about into onto of off out over under there here please thanks
  thank hello any some all get got want need know tell me much many more less just also today now`
    .split(/\s+/)
    .filter(Boolean),
);

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/**
 * A light stem for pt-BR and English plurals, so "pedidos" meets "pedido", "promoções" meets "promoção", and "cupons",
 * "cupom", "coupons" and "coupon" meet (a final nasal m is written n).
 */
function stem(word: string): string {
  if (word.length <= 3) return word;
  let w = word;
  if (w.endsWith('oes') || w.endsWith('aes')) w = `${w.slice(0, -3)}ao`;
  else if (w.endsWith('eis')) w = `${w.slice(0, -3)}el`;
  else if (w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  return w.endsWith('m') ? `${w.slice(0, -1)}n` : w;
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
