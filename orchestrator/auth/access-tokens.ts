import { randomUUID } from 'node:crypto';
import { HTTPException } from 'hono/http-exception';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../mesh/signing-keys.js';

/** The shopper behind a request. */
export interface Shopper {
  subject: string;
  role: 'guest' | 'customer' | 'premium' | 'operator' | 'admin';
}

/** Issues and verifies the shoppers' RS256 access tokens (audience `atende-api`). */
export interface AccessTokens {
  issueGuest(): Promise<{ token: string; subject: string; expiresIn: number }>;
  verify(authorization: string | undefined): Promise<Shopper>;
}

const AUDIENCE = 'atende-api';

/** Creates the access-token service over the orchestrator's signing keys. */
export function createAccessTokens(options: {
  keys: SigningKeys;
  issuer: string;
  guestTtlSec: number;
}): AccessTokens {
  const { keys, issuer, guestTtlSec } = options;
  const jwks = createLocalJWKSet(keys.jwks);
  return {
    async issueGuest() {
      const subject = `guest:${randomUUID()}`;
      const token = await new SignJWT({ role: 'guest' })
        .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setSubject(subject)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${guestTtlSec}s`)
        .sign(keys.privateKey);
      return { token, subject, expiresIn: guestTtlSec };
    },
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (!token) throw unauthorized('sign in or start a guest session first');
      try {
        const { payload } = await jwtVerify(token, jwks, {
          algorithms: ['RS256'],
          issuer,
          audience: AUDIENCE,
        });
        const role = payload.role;
        if (typeof payload.sub !== 'string' || typeof role !== 'string') throw new Error('claims');
        if (!['guest', 'customer', 'premium', 'operator', 'admin'].includes(role)) throw new Error('role');
        return { subject: payload.sub, role: role as Shopper['role'] };
      } catch {
        throw unauthorized('the access token is invalid or expired');
      }
    },
  };
}

function unauthorized(message: string): HTTPException {
  return new HTTPException(401, { message, cause: 'unauthorized' });
}
