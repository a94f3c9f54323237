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

/** How one message fared against the allowance: counted, or refused with the limiter's answer. */
export type AllowanceResult =
  | { ok: true; res: RateLimiterRes }
  | { ok: false; res: RateLimiterRes; key: string };

/**
 * The shopper's allowance of chat messages, shared by every way in — the chat API and the shop's own A2A agent —
 * so a shopper gets the documented number a minute in all, not that many per door. A message counts against the
 * client (the account, or the guest session and IP) and, for guests, against the address too (new guest sessions
 * cost nothing to make, so the address is what bounds them).
 */
export interface ChatAllowance {
  /** Messages a client may send a minute. */
  perClient: number;
  windowSec: number;
  take(shopper: Shopper, ip: string): Promise<AllowanceResult>;
}

/** Creates the allowance over the configured limiter store. */
export async function createChatAllowance(options: {
  limiters: LimiterFactory;
  perClient?: number;
  perGuestIp?: number;
  windowSec?: number;
}): Promise<ChatAllowance> {
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

  return {
    perClient,
    windowSec,
    async take(shopper, ip) {
      const isGuest = shopper.role === 'guest';
      const key = isGuest ? `${shopper.subject}|${ip}` : shopper.subject;
      const result = await consume(clients, key);
      const ipResult = isGuest ? await consume(guestIps, ip) : undefined;
      const limited =
        'limited' in result
          ? result.limited
          : ipResult && 'limited' in ipResult
            ? ipResult.limited
            : undefined;
      return limited ? { ok: false, res: limited, key } : { ok: true, res: result as RateLimiterRes };
    },
  };
}

/**
 * Counts each chat message against the shopper's allowance and answers 429 with `Retry-After` and the
 * `RateLimit-*` headers once it is spent. Needs `shopper` set before it.
 */
export function chatRateLimit(options: {
  allowance: ChatAllowance;
  /** Called when a client is refused (e.g. to audit it); awaited, and it must not throw. */
  onLimited?: (c: Context, key: string) => void | Promise<void>;
}): MiddlewareHandler<{ Variables: { shopper: Shopper; requestId: string } }> {
  const { allowance } = options;
  return async function chatRateLimit(c, next) {
    const taken = await allowance.take(c.get('shopper'), clientIp(c));
    setHeaders(c, allowance.perClient, allowance.windowSec, taken.res);
    if (!taken.ok) {
      await options.onLimited?.(c, taken.key);
      const retry = Math.max(1, Math.ceil(taken.res.msBeforeNext / 1000));
      throw httpError(
        429,
        'rate_limited',
        `you can send ${allowance.perClient} messages a minute; try again in ${retry} s`,
        retry,
      );
    }
    await next();
  };
}
