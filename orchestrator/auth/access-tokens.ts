import { randomUUID } from 'node:crypto';
import { HTTPException } from 'hono/http-exception';
import { jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../mesh/signing-keys.js';

/** Every role, from least to most trusted. */
export const ROLES = ['guest', 'customer', 'premium', 'operator', 'admin'] as const;

/** The shopper (or staff member) behind a request. */
export interface Shopper {
  subject: string;
  role: (typeof ROLES)[number];
}

/** Issues and verifies RS256 access tokens (audience `atende-api`). */
export interface AccessTokens {
  issueGuest(): Promise<{ token: string; subject: string; expiresIn: number }>;
  issue(shopper: Shopper & { name?: string }): Promise<{ token: string; expiresIn: number }>;
  verify(authorization: string | undefined): Promise<Shopper>;
}

const AUDIENCE = 'atende-api';

/**
 * Creates the access-token service over the orchestrator's signing keys: signs with the current key, verifies with
 * every published key (a `kid` the set does not know makes a file-backed set read its file again, rate-limited).
 */
export function createAccessTokens(options: {
  keys: SigningKeys;
  issuer: string;
  guestTtlSec: number;
  accessTtlSec?: number;
  /** Clock (ms), for tests: issue times, expiries and the time tokens are verified at. */
  now?: () => number;
}): AccessTokens {
  const { keys, issuer, guestTtlSec, accessTtlSec = 15 * 60, now = Date.now } = options;
  const sign = (claims: Record<string, unknown>, subject: string, ttl: number) => {
    // The key that signs now; tokens signed before a rotation verify with the previous key until they expire.
    const signing = keys.current();
    const iat = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(signing.privateKey);
  };
  return {
    async issueGuest() {
      const subject = `guest:${randomUUID()}`;
      return { token: await sign({ role: 'guest' }, subject, guestTtlSec), subject, expiresIn: guestTtlSec };
    },
    async issue(shopper) {
      const claims = { role: shopper.role, ...(shopper.name ? { name: shopper.name } : {}) };
      return { token: await sign(claims, shopper.subject, accessTtlSec), expiresIn: accessTtlSec };
    },
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (!token) throw unauthorized('sign in or start a guest session first');
      try {
        const { payload } = await jwtVerify(token, keys.getKey, {
          algorithms: ['RS256'],
          issuer,
          audience: AUDIENCE,
          currentDate: new Date(now()),
        });
        const role = payload.role;
        if (typeof payload.sub !== 'string' || typeof role !== 'string') throw new Error('claims');
        if (!(ROLES as readonly string[]).includes(role)) throw new Error('role');
        // A guest subject can never carry a staff or customer role, whatever the claims say.
        if (payload.sub.startsWith('guest:') !== (role === 'guest')) throw new Error('role');
        return { subject: payload.sub, role: role as Shopper['role'] };
      } catch (error) {
        throw new RefusedTokenError(
          (error as Error).name === 'JWTExpired' ? 'expired' : (error as Error).message,
        );
      }
    },
  };
}

/** A presented access token that was refused (bad signature, expired, forged claims): a security event. */
export class RefusedTokenError extends HTTPException {
  constructor(readonly reason: string) {
    super(401, { message: 'the access token is invalid or expired', cause: 'unauthorized' });
    this.name = 'RefusedTokenError';
  }
}

function unauthorized(message: string): HTTPException {
  return new HTTPException(401, { message, cause: 'unauthorized' });
}
