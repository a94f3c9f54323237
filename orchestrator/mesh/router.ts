import type { SkillTarget } from './agent-directory.js';

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

function words(s: string): Set<string> {
  return new Set(fold(s).match(/\p{L}{3,}/gu) ?? []);
}

/**
 * Picks the skill whose card text (tags, examples, name, description) shares the most words with the message,
 * among the agents that are up; when nothing matches, a skill tagged with one of `fallbackTags`. Routing reads
 * only cards, so an agent joins by publishing one.
 */
export function chooseSkill(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): SkillTarget | undefined {
  const message = words(text);
  let best: { target: SkillTarget; score: number } | undefined;
  let fallback: SkillTarget | undefined;
  for (const agent of agents) {
    for (const skill of agent.card.skills) {
      const target = { agent, skill };
      if (!fallback && skill.tags.some((t) => options.fallbackTags.includes(t))) fallback = target;
      const vocabulary = words([...skill.tags, ...skill.examples, skill.name, skill.description].join(' '));
      let score = 0;
      for (const w of message) if (vocabulary.has(w)) score += 1;
      if (score > 0 && (!best || score > best.score)) best = { target, score };
    }
  }
  return best?.target ?? fallback;
}
