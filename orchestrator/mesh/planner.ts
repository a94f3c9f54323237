import type { SkillTarget } from './agent-directory.js';
import { chooseSkill } from './router.js';

/** Tag of skills that run on every message beside the answer (e.g. sentiment). */
export const ALWAYS_TAG = 'always';

/** What to run for one shopper message: the skill that answers, and the skills that run on every message. */
export interface ReplyPlan {
  answer?: SkillTarget;
  always: SkillTarget[];
}

/** Plans a reply from the discovered cards alone: no agent name appears in the orchestrator's code. */
export function planReply(
  agents: SkillTarget['agent'][],
  text: string,
  options: { fallbackTags: string[] },
): ReplyPlan {
  const always: SkillTarget[] = [];
  const answering: SkillTarget['agent'][] = [];
  for (const agent of agents) {
    const regular = agent.card.skills.filter((skill) => {
      if (skill.tags.includes(ALWAYS_TAG)) {
        always.push({ agent, skill });
        return false;
      }
      return true;
    });
    if (regular.length) answering.push({ ...agent, card: { ...agent.card, skills: regular } });
  }
  const chosen = chooseSkill(answering, text, options);
  // chooseSkill saw a filtered copy of the card; hand back the agent as the directory knows it.
  const answer = chosen && {
    agent: agents.find((a) => a.baseUrl === chosen.agent.baseUrl) ?? chosen.agent,
    skill: chosen.skill,
  };
  return { answer, always };
}
