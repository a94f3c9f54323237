import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../edge/limiter-store.js';

/** Decision before a login attempt: go ahead, or wait `retryAfterSec`. */
export type GuardDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/** Brute-force protection for logins: per-account lockout and a per-IP limit on failures. */
export interface LoginGuard {
  check(input: { email: string; ip: string }): Promise<GuardDecision>;
  /** Counts a failure; returns whether this failure locked the account. */
  failed(input: { email: string; ip: string }): Promise<{ lockedNow: boolean }>;
  succeeded(input: { email: string; ip: string }): Promise<void>;
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

  const wait = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  async function penalise(limiter: RateLimiterAbstract, k: string): Promise<boolean> {
    try {
      await limiter.consume(k);
      return false;
    } catch (error) {
      if (error instanceof Error) throw error;
      return true;
    }
  }

  return {
    async check({ email, ip }) {
      const [account, address] = await Promise.all([byAccount.get(key(email)), byIp.get(ip)]);
      const retryAfterSec = Math.max(wait(account, perAccount), wait(address, perIp));
      return retryAfterSec > 0 ? { allowed: false, retryAfterSec } : { allowed: true };
    },
    async failed({ email, ip }) {
      const [accountBlocked] = await Promise.all([penalise(byAccount, key(email)), penalise(byIp, ip)]);
      const after = await byAccount.get(key(email));
      return { lockedNow: !accountBlocked && (after?.consumedPoints ?? 0) >= perAccount };
    },
    async succeeded({ email }) {
      await byAccount.delete(key(email));
    },
  };
}
