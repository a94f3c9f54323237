import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeys } from './signing-keys.js';

/** What a service token is for: one shopper, one agent (audience), one skill and its scopes. */
export interface ServiceTokenRequest {
  audience: string;
  subject: string;
  role: string;
  skill: string;
  scopes: string[];
  correlationId: string;
}

/** Mints short-lived service tokens for tasks sent to agents. */
export interface ServiceTokenMinter {
  mint(request: ServiceTokenRequest): Promise<string>;
}

/** Creates a minter signing RS256 tokens with `keys`, valid for `ttlSec`. */
export function createServiceTokenMinter(options: {
  keys: SigningKeys;
  issuer: string;
  ttlSec: number;
  now?: () => number;
}): ServiceTokenMinter {
  const { keys, issuer, ttlSec, now = Date.now } = options;
  return {
    async mint(request) {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({
        role: request.role,
        scope: request.scopes.join(' '),
        skill: request.skill,
        cid: request.correlationId,
      })
        .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(request.audience)
        .setSubject(request.subject)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSec)
        .sign(keys.privateKey);
    },
  };
}
