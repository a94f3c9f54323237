import { HANDOFF_TAG, STAFF_TAG } from '../../agents/desk/protocol.js';
import type { SkillTarget } from './agent-directory.js';
import { chooseSkills } from './router.js';

/** Tag of skills that run on every message beside the answer (e.g. sentiment). */
export const ALWAYS_TAG = 'always';
/** Tags of skills no shopper question is routed to: the human desk's, reached only by a handoff or by staff. */
const NEVER_ROUTED = [HANDOFF_TAG, STAFF_TAG];

/**
 * What to run for one shopper message: the skill that answers, a second one when the message also asks something
 * only another agent knows, and the skills that run on every message.
 */
export interface ReplyPlan {
  answer?: SkillTarget;
  second?: SkillTarget;
  always: SkillTarget[];
  /**
   * The skill that answers when nothing fits better (tagged with one of `fallbackTags`, e.g. the FAQ): when the
   * role may not use the skill a message asks for, the general answer still runs beside the refusal.
   */
  fallback?: SkillTarget;
  /** A two-part message: the words of the answer's part and of the second's (see `chooseSkills`). */
  parts?: { answer: string; second: string };
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
      if (skill.tags.some((tag) => NEVER_ROUTED.includes(tag))) return false;
      if (skill.tags.includes(ALWAYS_TAG)) {
        always.push({ agent, skill });
        return false;
      }
      return true;
    });
    if (regular.length) answering.push({ ...agent, card: { ...agent.card, skills: regular } });
  }
  // The router sees filtered copies of the cards; hand back each agent as the directory knows it.
  const known = (chosen: SkillTarget | undefined) =>
    chosen && {
      agent: agents.find((a) => a.baseUrl === chosen.agent.baseUrl) ?? chosen.agent,
      skill: chosen.skill,
    };
  const { first, second, parts } = chooseSkills(answering, text, options);
  let fallback: SkillTarget | undefined;
  for (const agent of answering) {
    const skill = agent.card.skills.find((s) => s.tags.some((t) => options.fallbackTags.includes(t)));
    if (skill) {
      fallback = known({ agent, skill });
      break;
    }
  }
  return {
    answer: known(first),
    second: known(second),
    always,
    ...(fallback ? { fallback } : {}),
    ...(parts ? { parts: { answer: parts.first, second: parts.second } } : {}),
  };
}
