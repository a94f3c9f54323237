import type { Shopper } from '../auth/access-tokens.js';
import type { SkillTarget } from '../mesh/agent-directory.js';
import { requiredScopes } from '../mesh/dispatch.js';
import { grantScopes, type ScopePolicy } from '../mesh/scope-policy.js';
import type { Annotation, ReplyErrorCode } from './contract.js';
import { type Locale, notForRoleText, politeText } from './messages.js';
import type { ReplyPlan } from './plan.js';

/** The shopper roles that may hold every one of `scopes` (for telling a shopper who the feature is for). */
function rolesHolding(policy: ScopePolicy, scopes: string[]): Shopper['role'][] {
  const roles: Shopper['role'][] = ['customer', 'premium'];
  return roles.filter((role) => scopes.every((scope) => policy[scope]?.includes(role)));
}

/** The orchestrator's own name on the text and annotations it adds to a reply. */
export const ORCHESTRATOR = 'orchestrator';

/** A skill the shopper's role may not use: what to say, the card to show, and what to audit. */
export interface Refusal {
  text: string;
  annotation: Annotation;
  audit: { skill: string; missing: string[] };
}

/** What the reply may do, decided before any task is sent. */
export type Authorized =
  /** Send tasks: the answer, maybe a second answer, the side skills; a refusal said beside them, if any. */
  | {
      kind: 'answer';
      answer: SkillTarget;
      second?: SkillTarget;
      sides: SkillTarget[];
      refusal?: Refusal;
      /** A two-part message: the words each answering task is sent (absent: the whole message). */
      texts?: { answer?: string; second?: string };
    }
  /** Send nothing: the only thing asked is refused to this role. */
  | { kind: 'refuse'; refusal: Refusal }
  /** Send nothing: no agent can answer (`agents_unavailable`) or the one that should is down (`agent_unavailable`). */
  | { kind: 'unavailable'; code: ReplyErrorCode; text: string; agent?: string };

/**
 * Stage 2 — authorize: least privilege before anything leaves the orchestrator. A skill whose scopes the role may
 * not hold gets no token and no task; a guest is asked to sign in, another role is told the feature is not theirs.
 * When the message also asked something the role may use, that answer runs with the refusal beside it.
 */
export function authorize(
  plan: ReplyPlan,
  options: { shopper: Shopper; locale: Locale; scopePolicy: ScopePolicy },
): Authorized {
  const { shopper, locale, scopePolicy } = options;
  const granted = (target: SkillTarget) =>
    grantScopes(scopePolicy, shopper.role, requiredScopes(target)).granted;
  if (!plan.answer) {
    return { kind: 'unavailable', code: 'agents_unavailable', text: politeText('unavailable', locale) };
  }
  let answer = plan.answer;
  // Each part of a two-part message goes to its own agent; the general answer standing in for a refused part
  // reads the whole message.
  let answerText = plan.parts?.answer;
  // A second answering skill runs only if its agent is up and the role may use it.
  let second =
    plan.second && plan.second.agent.state === 'up' && granted(plan.second) ? plan.second : undefined;
  const refusalFor = (target: SkillTarget, missing: string[]): Refusal => {
    const guest = shopper.role === 'guest';
    return {
      text: guest
        ? politeText('signInRequired', locale)
        : notForRoleText(locale, rolesHolding(scopePolicy, missing)),
      annotation: guest
        ? { agent: ORCHESTRATOR, kind: 'sign_in_required', data: { skill: target.skill.id } }
        : { agent: ORCHESTRATOR, kind: 'not_available', data: { skill: target.skill.id } },
      audit: { skill: target.skill.id, missing },
    };
  };
  // The second part asked for something the role may not use: the first part is answered, the second refused aloud.
  let refusal: Refusal | undefined;
  const secondGrant = plan.second && grantScopes(scopePolicy, shopper.role, requiredScopes(plan.second));
  if (plan.second && plan.second.agent.state === 'up' && secondGrant && !secondGrant.granted) {
    refusal = refusalFor(plan.second, secondGrant.missing);
  }
  const grant = grantScopes(scopePolicy, shopper.role, requiredScopes(answer));
  if (!grant.granted) {
    refusal = refusalFor(answer, grant.missing);
    // Nothing else asked that the role may use: the general answer (the FAQ) still says what it knows — a guest
    // asking where their purchase is hears the delivery times and is invited to sign in for their own order.
    const general =
      !second &&
      plan.fallback &&
      plan.fallback.skill.id !== answer.skill.id &&
      plan.fallback.agent.state === 'up'
        ? plan.fallback
        : undefined;
    if (!second && !(general && granted(general))) return { kind: 'refuse', refusal };
    answer = (second ?? general) as SkillTarget;
    answerText = second ? plan.parts?.second : undefined;
    second = undefined;
  }
  if (answer.agent.state !== 'up') {
    return {
      kind: 'unavailable',
      code: 'agent_unavailable',
      text: politeText('unavailable', locale),
      agent: answer.agent.card.name,
    };
  }
  const sides = plan.always.filter((t) => t.agent.state === 'up' && granted(t));
  const texts = plan.parts && { answer: answerText, second: second ? plan.parts.second : undefined };
  return { kind: 'answer', answer, second, sides, refusal, ...(texts ? { texts } : {}) };
}
