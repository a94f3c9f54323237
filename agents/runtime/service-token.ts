import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';

/** Claims of a service token minted by the orchestrator for one task sent to one agent. */
export const serviceTokenClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  role: z.string().min(1),
  scope: z.string(),
  skill: z.string().min(1),
  jti: z.string().min(1),
  cid: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
});

/** A verified service token's claims, with `scope` split into a set. */
export type ServiceTokenClaims = z.infer<typeof serviceTokenClaimsSchema> & { scopes: Set<string> };

/** Why a token was refused; `status` is the HTTP status to answer with. */
export type TokenRefusal =
  | 'missing_token'
  | 'malformed_token'
  | 'bad_signature'
  | 'expired'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'insufficient_scope'
  | 'wrong_skill'
  | 'keys_unavailable';

/** A refused service token: crosses the wire as HTTP 401/403 with a JSON-RPC error (see the runtime README). */
export class ServiceTokenError extends Error {
  constructor(
    readonly reason: TokenRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceTokenError';
  }

  /** 403 when the token is genuine but does not allow the call, 503 when keys cannot be fetched, else 401. */
  get status(): 401 | 403 | 503 {
    if (this.reason === 'keys_unavailable') return 503;
    return this.reason === 'insufficient_scope' || this.reason === 'wrong_skill' ? 403 : 401;
  }
}

/** Verifies bearer service tokens for one agent. */
export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<ServiceTokenClaims>;
}

export interface TokenVerifierOptions {
  /** Key source: {@link createRemoteKeySet} on the orchestrator's JWKS, or `createLocalJWKSet` in tests. */
  keys: JWTVerifyGetKey;
  /** The orchestrator's issuer identifier. */
  issuer: string;
  /** This agent's audience: its JSON-RPC interface URL. */
  audience: string;
  /** Seconds of clock skew tolerated on `exp`/`iat`. */
  clockToleranceSec?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

/** Creates a verifier that accepts only RS256 tokens from `issuer` for `audience`, signed by a key in `keys`. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { keys, issuer, audience, clockToleranceSec = 5, now } = options;
  return {
    async verify(authorization) {
      if (!authorization) throw new ServiceTokenError('missing_token', 'a bearer service token is required');
      const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(authorization.trim());
      if (!match?.[1])
        throw new ServiceTokenError('malformed_token', 'the Authorization header is not a bearer JWT');
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(match[1], keys, {
          algorithms: ['RS256'],
          issuer,
          audience,
          clockTolerance: clockToleranceSec,
          currentDate: now?.(),
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        }));
      } catch (error) {
        throw toRefusal(error);
      }
      const parsed = serviceTokenClaimsSchema.safeParse(payload);
      if (!parsed.success)
        throw new ServiceTokenError('malformed_token', 'the service token lacks required claims');
      return { ...parsed.data, scopes: new Set(parsed.data.scope.split(' ').filter(Boolean)) };
    },
  };
}

function toRefusal(error: unknown): ServiceTokenError {
  if (error instanceof errors.JWTExpired)
    return new ServiceTokenError('expired', 'the service token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return new ServiceTokenError('wrong_audience', 'the service token is for another agent');
    if (error.claim === 'iss')
      return new ServiceTokenError('wrong_issuer', 'the service token has an unknown issuer');
    return new ServiceTokenError('malformed_token', `the service token's "${error.claim}" claim is invalid`);
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new ServiceTokenError('bad_signature', 'the service token is not signed by the orchestrator');
  }
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    return new ServiceTokenError(
      'keys_unavailable',
      "the orchestrator's signing keys cannot be fetched right now",
    );
  }
  return new ServiceTokenError('malformed_token', 'the service token cannot be verified');
}

/** How an agent fetches and caches the orchestrator's JWKS. */
export interface RemoteKeySetOptions {
  /** The orchestrator's `/.well-known/jwks.json`. */
  url: URL;
  /** The mesh (mTLS) fetch. */
  fetch: typeof fetch;
  /**
   * Least time between two fetches caused by tokens naming a `kid` the cached set does not know (jose's
   * `cooldownDuration`), and after a failed fetch: a storm of unknown kids, or of tokens while the orchestrator is
   * unreachable, costs at most one fetch per cooldown.
   */
  cooldownMs?: number;
  /** The cached set is fetched again, whatever the tokens say, once this old. */
  cacheMaxAgeMs?: number;
  /** A fetch slower than this fails (the token is answered with 503 `keys_unavailable`). */
  timeoutMs?: number;
}

/**
 * The orchestrator's JWKS as a key source for {@link createTokenVerifier}: jose's `createRemoteJWKSet`, which fetches
 * the set again when a token names an unknown `kid` (a rotated key, published ahead by the orchestrator), at most
 * once per cooldown, with concurrent look-ups sharing one fetch. A failed fetch also holds further fetches for one
 * cooldown (jose would try again at every token).
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): JWTVerifyGetKey {
  const { url, cooldownMs = 5_000, cacheMaxAgeMs = 10 * 60_000, timeoutMs = 3_000 } = options;
  let failed: { at: number; error: unknown } | undefined;
  const throttled = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (failed && Date.now() - failed.at < cooldownMs) throw failed.error;
    try {
      const response = await options.fetch(input, init);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`the JWKS answered ${response.status}`);
      }
      failed = undefined;
      return response;
    } catch (error) {
      failed = { at: Date.now(), error };
      throw error;
    }
  }) as typeof fetch;
  return createRemoteJWKSet(url, {
    [customFetch]: throttled as never,
    cooldownDuration: cooldownMs,
    cacheMaxAge: cacheMaxAgeMs,
    timeoutDuration: timeoutMs,
  });
}

/** True when `scopes` satisfies one of the alternatives in `required` (an empty alternative needs no scope). */
export function hasScopes(scopes: Set<string>, required: string[][]): boolean {
  if (required.length === 0) return true;
  return required.some((alternative) => alternative.every((s) => scopes.has(s)));
}
