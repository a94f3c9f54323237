import type { Context, MiddlewareHandler } from 'hono';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Shopper } from '../auth/access-tokens.js';
import { httpError } from '../errors.js';
import { clientIp } from './client-ip.js';
import type { LimiterFactory } from './limiter-store.js';

/** The chat limit: 10 messages a minute per client; guests also share a per-IP ceiling (new sessions cost nothing). */
export const CHAT_LIMITS = { perClient: 10, perGuestIp: 30, windowSec: 60 } as const;

function setHeaders(c: Context, limit: number, windowSec: number, res: RateLimiterRes) {
  c.header('RateLimit-Policy', `${limit};w=${windowSec}`);
  c.header('RateLimit-Limit', String(limit));
  c.header('RateLimit-Remaining', String(Math.max(0, res.remainingPoints)));
  c.header('RateLimit-Reset', String(Math.ceil(res.msBeforeNext / 1000)));
}

/**
 * Counts each chat message against the client (the account, or the guest session and IP) and answers 429 with
 * `Retry-After` and the `RateLimit-*` headers once the limit is spent. Needs `shopper` set before it.
 */
export async function chatRateLimit(options: {
  limiters: LimiterFactory;
  perClient?: number;
  perGuestIp?: number;
  windowSec?: number;
  /** Called when a client is refused (e.g. to audit it); awaited, and it must not throw. */
  onLimited?: (c: Context, key: string) => void | Promise<void>;
}): Promise<MiddlewareHandler<{ Variables: { shopper: Shopper; requestId: string } }>> {
  const perClient = options.perClient ?? CHAT_LIMITS.perClient;
  const perGuestIp = options.perGuestIp ?? CHAT_LIMITS.perGuestIp;
  const windowSec = options.windowSec ?? CHAT_LIMITS.windowSec;
  const clients = await options.limiters({
    keyPrefix: 'chat-client',
    points: perClient,
    durationSec: windowSec,
  });
  const guestIps = await options.limiters({
    keyPrefix: 'chat-guest-ip',
    points: perGuestIp,
    durationSec: windowSec,
  });

  async function consume(
    limiter: RateLimiterAbstract,
    key: string,
  ): Promise<RateLimiterRes | { limited: RateLimiterRes }> {
    try {
      return await limiter.consume(key);
    } catch (error) {
      if (error instanceof Error) throw error;
      return { limited: error as RateLimiterRes };
    }
  }

  return async function chatRateLimit(c, next) {
    const shopper = c.get('shopper');
    const ip = clientIp(c);
    const isGuest = shopper.role === 'guest';
    const key = isGuest ? `${shopper.subject}|${ip}` : shopper.subject;
    const result = await consume(clients, key);
    const ipResult = isGuest ? await consume(guestIps, ip) : undefined;
    const limited =
      'limited' in result ? result.limited : ipResult && 'limited' in ipResult ? ipResult.limited : undefined;
    if (limited) {
      await options.onLimited?.(c, key);
      setHeaders(c, perClient, windowSec, limited);
      const retry = Math.max(1, Math.ceil(limited.msBeforeNext / 1000));
      throw httpError(
        429,
        'rate_limited',
        `you can send ${perClient} messages a minute; try again in ${retry} s`,
        retry,
      );
    }
    setHeaders(c, perClient, windowSec, result as RateLimiterRes);
    await next();
  };
}
