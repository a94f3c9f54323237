import type { AgentDirectory, SkillTarget } from '../mesh/agent-directory.js';
import { planReply, type ReplyPlan } from '../mesh/planner.js';

export type { ReplyPlan };

/**
 * Stage 1 — plan: which skills answer the message, from the discovered cards alone. Routing sees every agent
 * whose card it knows, up or not: a message meant for an agent that is down is told so (see `authorize`), rather
 * than quietly answered by another agent that cannot help with it.
 */
export function plan(
  directory: AgentDirectory,
  text: string,
  options: { fallbackTags: string[] },
): ReplyPlan {
  const known = directory
    .list()
    .filter((e): e is SkillTarget['agent'] => e.state !== 'invalid' && !!e.card && !!e.rpcUrl);
  return planReply(known, text, options);
}
