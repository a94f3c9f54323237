import { Hono } from 'hono';
import { z } from 'zod';
import { clientIp } from '../edge/client-ip.js';
import type { LimiterFactory } from '../edge/limiter-store.js';
import { hasLineControlCharacters } from '../edge/text.js';
import { httpError } from '../errors.js';
import type { AccessTokens } from './access-tokens.js';
import type { Account, AccountStore } from './accounts.js';
import type { AuditLog } from './audit-log.js';
import type { LoginGuard } from './login-guard.js';
import {
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  PASSWORD_POLICY,
  verifyPassword,
} from './passwords.js';

const email = z.string().trim().toLowerCase().email('email must be a valid address').max(254);
const password = z
  .string()
  .min(PASSWORD_POLICY.minLength, `password must have at least ${PASSWORD_POLICY.minLength} characters`)
  .max(PASSWORD_POLICY.maxLength, `password must have at most ${PASSWORD_POLICY.maxLength} characters`);

/** Bodies of the auth endpoints. */
export const authSchemas = {
  register: z
    .object({
      email,
      password,
      displayName: z
        .string()
        .trim()
        .min(1)
        .max(80)
        .refine((name) => !hasLineControlCharacters(name), 'displayName must not contain control characters'),
    })
    .strict(),
  login: z.object({ email, password: z.string().min(1).max(PASSWORD_POLICY.maxLength) }).strict(),
  refresh: z.object({ refreshToken: z.string().min(1).max(200) }).strict(),
  /** `everywhere`: end every sign-in of the account (other browsers and devices too), not only this one. */
  logout: z
    .object({ refreshToken: z.string().min(1).max(200), everywhere: z.boolean().default(false) })
    .strict(),
};

type AuthEnv = { Variables: { requestId: string } };

async function body<T extends z.ZodTypeAny>(
  c: { req: { json(): Promise<unknown> } },
  schema: T,
): Promise<z.infer<T>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw httpError(400, 'invalid_json', 'the body must be valid JSON');
  }
  return schema.parse(json);
}

/** `/api/auth/*`: guest sessions, registration, login with lockout, refresh-token rotation, logout. */
export function authRoutes(deps: {
  accessTokens: AccessTokens;
  accounts: AccountStore;
  audit: AuditLog;
  guard: LoginGuard;
  limiters: LimiterFactory;
}) {
  const { accessTokens, accounts, audit, guard } = deps;
  const app = new Hono<AuthEnv>();
  const registrations = deps.limiters({ keyPrefix: 'register-ip', points: 10, durationSec: 3600 });
  const guests = deps.limiters({ keyPrefix: 'guest-ip', points: 30, durationSec: 60 });

  async function session(account: Account) {
    const access = await accessTokens.issue({
      subject: account.id,
      role: account.role,
      name: account.displayName,
    });
    const { refreshToken } = await accounts.issueRefreshToken(account.id);
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      user: { id: account.id, email: account.email, displayName: account.displayName, role: account.role },
    };
  }

  async function limit(limiter: Promise<import('rate-limiter-flexible').RateLimiterAbstract>, key: string) {
    try {
      await (await limiter).consume(key);
    } catch (error) {
      if (error instanceof Error) throw error;
      const retry = Math.max(1, Math.ceil((error as { msBeforeNext: number }).msBeforeNext / 1000));
      throw httpError(429, 'too_many_requests', 'too many requests; try again later', retry);
    }
  }

  app.post('/guest', async (c) => {
    await limit(guests, clientIp(c));
    const guest = await accessTokens.issueGuest();
    return c.json(
      { accessToken: guest.token, tokenType: 'Bearer', expiresIn: guest.expiresIn, role: 'guest' },
      201,
    );
  });

  app.post('/register', async (c) => {
    const input = await body(c, authSchemas.register);
    const ip = clientIp(c);
    await limit(registrations, ip);
    const account = await accounts.create({
      email: input.email,
      displayName: input.displayName,
      role: 'customer',
      passwordHash: await hashPassword(input.password),
    });
    if (!account) throw httpError(409, 'email_taken', 'an account with this email already exists');
    await audit.record({ event: 'register', subject: account.id, ip, requestId: c.get('requestId') });
    return c.json(await session(account), 201);
  });

  app.post('/login', async (c) => {
    const input = await body(c, authSchemas.login);
    const ip = clientIp(c);
    const requestId = c.get('requestId');
    const decision = await guard.attempt({ email: input.email, ip });
    // The attempt that spends the address's allowance is recorded once, whatever becomes of it.
    if (decision.addressLimitReached) await audit.record({ event: 'login_address_limited', ip, requestId });
    if (!decision.allowed) {
      // The lockout itself was audited when it happened; refused attempts while locked are not, so a flood
      // of them cannot fill the append-only log.
      throw httpError(
        429,
        'too_many_attempts',
        'too many failed sign-ins; try again later',
        decision.retryAfterSec,
      );
    }
    const account = await accounts.findByEmail(input.email);
    // Always verify a hash, so an unknown email takes as long as a wrong password.
    const ok = await verifyPassword(account?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!account || !ok) {
      const lockedNow = await guard.isLocked(input.email);
      await audit.record({
        event: lockedNow ? 'login_locked' : 'login_failed',
        subject: account?.id,
        ip,
        requestId,
        details: { email: input.email },
      });
      throw httpError(401, 'invalid_credentials', 'email or password is wrong');
    }
    await guard.succeeded({ email: input.email, ip });
    if (needsRehash(account.passwordHash)) {
      await accounts.updatePasswordHash(account.id, await hashPassword(input.password));
      await audit.record({ event: 'password_rehashed', subject: account.id, ip, requestId });
    }
    await audit.record({ event: 'login_succeeded', subject: account.id, ip, requestId });
    return c.json(await session(account));
  });

  app.post('/refresh', async (c) => {
    const input = await body(c, authSchemas.refresh);
    const outcome = await accounts.rotateRefreshToken(input.refreshToken);
    if (outcome.status === 'reused') {
      await audit.record({
        event: 'refresh_reuse_detected',
        subject: outcome.userId,
        ip: clientIp(c),
        requestId: c.get('requestId'),
        details: { familyId: outcome.familyId },
      });
    }
    if (outcome.status !== 'rotated') throw httpError(401, 'invalid_refresh_token', 'sign in again');
    const { account } = outcome;
    const access = await accessTokens.issue({
      subject: account.id,
      role: account.role,
      name: account.displayName,
    });
    return c.json({
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken: outcome.refreshToken,
      user: { id: account.id, email: account.email, displayName: account.displayName, role: account.role },
    });
  });

  app.post('/logout', async (c) => {
    const input = await body(c, authSchemas.logout);
    const revoked = input.everywhere
      ? await accounts.revokeAllOf(input.refreshToken)
      : await accounts.revokeFamily(input.refreshToken);
    if (revoked) {
      await audit.record({
        event: 'logout',
        subject: revoked.userId,
        ip: clientIp(c),
        requestId: c.get('requestId'),
        details: { everywhere: input.everywhere },
      });
    }
    return c.body(null, 204);
  });

  return app;
}
