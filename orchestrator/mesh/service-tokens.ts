import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
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
      // The key that signs now (a rotation takes effect at its notBefore); kid and key read together.
      const signing = keys.current();
      return new SignJWT({
        role: request.role,
        scope: request.scopes.join(' '),
        skill: request.skill,
        cid: request.correlationId,
      })
        .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(request.audience)
        .setSubject(request.subject)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSec)
        .sign(signing.privateKey);
    },
  };
}

/**
 * Wraps a minter so that one token serves every task of the same shopper, role, agent, skill and scopes while it
 * has more than `reuseMarginSec` left: an RS256 signature costs about as much CPU as the SDK's work for a task.
 * The `cid` claim then names the request that minted the token; each task's own correlation id travels in its
 * `X-Request-Id` header. At most `maxEntries` tokens are kept.
 */
export function createCachingMinter(options: {
  minter: ServiceTokenMinter;
  ttlSec: number;
  reuseMarginSec?: number;
  maxEntries?: number;
  now?: () => number;
}): ServiceTokenMinter & { readonly size: number } {
  const { minter, ttlSec, maxEntries = 10_000, now = Date.now } = options;
  const reuseMarginSec = options.reuseMarginSec ?? Math.min(20, Math.floor(ttlSec / 3));
  const reuseMs = (ttlSec - reuseMarginSec) * 1000;
  // No window to reuse a token in (lru-cache would read a ttl of 0 as "forever"): every task gets its own.
  if (reuseMs <= 0) return { mint: (request) => minter.mint(request), size: 0 };
  // ttlResolution 0: read the clock on every look-up, so an injected `now` is never seen late.
  const cache = new LRUCache<string, Promise<string>>({
    max: maxEntries,
    ttl: reuseMs,
    ttlResolution: 0,
    perf: { now },
  });
  return {
    get size() {
      return cache.size;
    },
    mint(request) {
      const key = [
        request.audience,
        request.subject,
        request.role,
        request.skill,
        [...request.scopes].sort().join(' '),
      ].join('\n');
      const hit = cache.get(key);
      if (hit) return hit;
      const token = minter.mint(request);
      cache.set(key, token);
      token.catch(() => {
        if (cache.peek(key) === token) cache.delete(key);
      });
      return token;
    },
  };
}
