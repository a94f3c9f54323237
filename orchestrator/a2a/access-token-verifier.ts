import { randomUUID } from 'node:crypto';
import { HTTPException } from 'hono/http-exception';
import { ServiceTokenError, type TokenVerifier } from '../../agents/runtime/index.js';
import type { AccessTokens } from '../auth/access-tokens.js';

/** The skill and scope a verified access token stands for at the orchestrator's own A2A agent. */
export const SUPPORT_SKILL = 'customer-support';
export const SUPPORT_SCOPE = 'support:chat';

/**
 * A {@link TokenVerifier} over the shop's access tokens (RS256, audience `atende-api`), for third-party agents
 * calling the orchestrator's own A2A agent: any valid access token (guest or account) may ask for customer
 * support, as the shopper it names. Its claims take the service-token shape: `sub` and `role` from the token,
 * scope `support:chat`, skill `customer-support`; `cid` is fresh, as the route supplies the request's own id.
 * A missing or refused token MUST surface as a 401 {@link ServiceTokenError}.
 */
export function createAccessTokenVerifier(options: {
  accessTokens: AccessTokens;
  issuer?: string;
}): TokenVerifier {
  const { accessTokens, issuer = 'atende-orchestrator' } = options;
  return {
    async verify(authorization) {
      if (!authorization) {
        throw new ServiceTokenError(
          'missing_token',
          'a bearer access token is required (POST /api/auth/login or /api/auth/guest)',
        );
      }
      let shopper: Awaited<ReturnType<AccessTokens['verify']>>;
      try {
        shopper = await accessTokens.verify(authorization);
      } catch (error) {
        if (!(error instanceof HTTPException)) throw error;
        throw Object.assign(new ServiceTokenError('malformed_token', error.message), { cause: error });
      }
      const iat = Math.floor(Date.now() / 1000);
      return {
        iss: issuer,
        aud: 'atende-api',
        sub: shopper.subject,
        role: shopper.role,
        scope: SUPPORT_SCOPE,
        skill: SUPPORT_SKILL,
        jti: randomUUID(),
        cid: randomUUID(),
        iat,
        exp: iat,
        scopes: new Set([SUPPORT_SCOPE]),
      };
    },
  };
}
