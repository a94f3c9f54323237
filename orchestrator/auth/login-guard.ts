import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../edge/limiter-store.js';

/**
 * Decision before a login attempt: go ahead, or wait `retryAfterSec`. `addressLimitReached` is set on the one
 * attempt that spent the address's last point (a security event, recorded once).
 */
export type GuardDecision = ({ allowed: true } | { allowed: false; retryAfterSec: number }) & {
  addressLimitReached: boolean;
};

/** Brute-force protection for logins: per-account lockout and a per-IP limit on failures. */
export interface LoginGuard {
  /**
   * Counts the attempt BEFORE the password is checked (atomically, so concurrent guesses cannot slip past the
   * limit) and says whether it may go ahead.
   */
  attempt(input: { email: string; ip: string }): Promise<GuardDecision>;
  /** A correct password: forgets the account's failures and gives the IP its point back. */
  succeeded(input: { email: string; ip: string }): Promise<void>;
  /** Whether the account is now locked (its failures reached the limit). */
  isLocked(email: string): Promise<boolean>;
}

/** Limits: 5 failures per account and 20 per IP in 15 minutes, each then blocked for 15 minutes. */
export const LOGIN_LIMITS = { perAccount: 5, perIp: 20, windowSec: 15 * 60 } as const;

/** Creates the guard; keys are the lower-cased email, whether or not the account exists (no enumeration). */
export async function createLoginGuard(options: {
  limiters: LimiterFactory;
  perAccount?: number;
  perIp?: number;
  windowSec?: number;
}): Promise<LoginGuard> {
  const perAccount = options.perAccount ?? LOGIN_LIMITS.perAccount;
  const perIp = options.perIp ?? LOGIN_LIMITS.perIp;
  const windowSec = options.windowSec ?? LOGIN_LIMITS.windowSec;
  const byAccount = await options.limiters({
    keyPrefix: 'login-account',
    points: perAccount,
    durationSec: windowSec,
    blockSec: windowSec,
  });
  const byIp = await options.limiters({
    keyPrefix: 'login-ip',
    points: perIp,
    durationSec: windowSec,
    blockSec: windowSec,
  });
  const key = (email: string) => email.trim().toLowerCase();

  /** Consumes one point: the wait in seconds when the limit is spent (else 0), and the points now consumed. */
  async function take(limiter: RateLimiterAbstract, k: string): Promise<{ wait: number; consumed: number }> {
    try {
      const res = await limiter.consume(k);
      return { wait: 0, consumed: res.consumedPoints };
    } catch (error) {
      if (error instanceof Error) throw error;
      const res = error as RateLimiterRes;
      return { wait: Math.max(1, Math.ceil(res.msBeforeNext / 1000)), consumed: res.consumedPoints };
    }
  }

  return {
    async attempt({ email, ip }) {
      const [account, address] = await Promise.all([take(byAccount, key(email)), take(byIp, ip)]);
      const retryAfterSec = Math.max(account.wait, address.wait);
      // Points are counted atomically, so exactly one attempt sees the last one go.
      const addressLimitReached = address.wait === 0 && address.consumed === perIp;
      return retryAfterSec > 0
        ? { allowed: false, retryAfterSec, addressLimitReached }
        : { allowed: true, addressLimitReached };
    },
    async succeeded({ email, ip }) {
      await Promise.all([byAccount.delete(key(email)), byIp.reward(ip, 1)]);
    },
    async isLocked(email) {
      const res = await byAccount.get(key(email));
      return (res?.consumedPoints ?? 0) >= perAccount;
    },
  };
}
