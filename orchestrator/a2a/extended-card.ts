import { type AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { ServiceTokenClaims } from '../../agents/runtime/index.js';

/** The skill only premium shoppers' agents are told of: their personal offers, through the same support task. */
export const PREMIUM_OFFERS_SKILL = AgentSkill.fromJSON({
  id: 'premium-offers',
  name: 'Personal offers',
  description:
    'For a premium customer: the coupons and offers of their account (annotation "offer" with code, discount and validity), asked in the customer-support task ("quais cupons eu tenho?", "do I have any offers?").',
  tags: ['offers', 'coupons', 'premium', 'pt-BR', 'en'],
  examples: ['Quais cupons eu tenho?', 'Do I have any personal offers?'],
  inputModes: ['text/plain'],
  outputModes: ['text/plain', 'application/json'],
  securityRequirements: [{ schemes: { accessToken: { list: [] } } }],
});

/**
 * The authenticated extended card (`GetExtendedAgentCard`): the public card, plus {@link PREMIUM_OFFERS_SKILL} when
 * the caller's access token is a premium customer's. What the public card does not say is only shown to whom it
 * concerns. `sign` signs the card served (the public one is signed where it is loaded).
 */
export function createExtendedCardProvider(options: {
  card: AgentCard;
  sign: (card: AgentCard) => Promise<AgentCard>;
}): (context: ServerCallContext) => Promise<AgentCard> {
  const { card, sign } = options;
  let premium: Promise<AgentCard> | undefined;
  return async (context) => {
    const claims = context.state?.get('claims') as ServiceTokenClaims | undefined;
    if (claims?.role !== 'premium') return card;
    premium ??= sign({ ...card, skills: [...card.skills, PREMIUM_OFFERS_SKILL], signatures: [] });
    return premium;
  };
}
