import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey, SignJWT } from 'jose';

// Service tokens for the runtime's tests, built on the runtime's own claims (see ../service-token.ts), so that the
// agents' tests need nothing from the orchestrator that mints the real ones.

/** Who and what a test service token is for. */
export interface TestTokenRequest {
  audience: string;
  subject: string;
  role: string;
  skill: string;
  scopes: string[];
  correlationId?: string;
}

/** An RS256 key pair standing in for the orchestrator's: its public JWKS and a minter of service tokens. */
export interface TestTokens {
  issuer: string;
  kid: string;
  jwks: { keys: JWK[] };
  /** The JWKS as a key source for `createTokenVerifier`. */
  keys: JWTVerifyGetKey;
  /** Signs a service token valid for `ttlSec` (60) from `now` (ms, the current time). */
  mintToken(request: TestTokenRequest, options?: { now?: number; ttlSec?: number }): Promise<string>;
}

/** Creates a fresh key pair; `kid` lets a test make a second key that claims to be the first. */
export async function createTestTokens(options: { issuer?: string; kid?: string } = {}): Promise<TestTokens> {
  const { issuer = 'atende-orchestrator', kid = randomUUID() } = options;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  return {
    issuer,
    kid,
    jwks,
    keys: createLocalJWKSet(jwks),
    mintToken(request, { now = Date.now(), ttlSec = 60 } = {}) {
      const iat = Math.floor(now / 1000);
      return new SignJWT({
        role: request.role,
        scope: request.scopes.join(' '),
        skill: request.skill,
        cid: request.correlationId ?? randomUUID(),
      })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(request.audience)
        .setSubject(request.subject)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSec)
        .sign(privateKey);
    },
  };
}
