import { decodeJwt, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { makeApp, TEST_PASSWORD } from '../testing/app.js';
import { createAccountStore } from './accounts.js';
import { hashPassword, needsRehash } from './passwords.js';

type TestApp = Awaited<ReturnType<typeof makeApp>>;
let t: TestApp;

beforeEach(async () => {
  t = await makeApp();
});

const login = (email: string, password: string, ip?: string) =>
  t.post('/api/auth/login', { email, password }, { ip });

describe('registration', () => {
  it('registers a customer and returns an access and a refresh token', async () => {
    const response = await t.post('/api/auth/register', {
      email: 'New.Shopper@Example.com',
      password: 'a long enough passphrase',
      displayName: 'Nova',
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as any;
    expect(body.user).toMatchObject({ email: 'new.shopper@example.com', role: 'customer' });
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const stored = await t.accounts.findByEmail('new.shopper@example.com');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await t.audit.recent({ event: 'register' }))[0]?.subject).toBe(body.user.id);
  });

  it('refuses a short password, unknown fields and a taken email with clear errors', async () => {
    const short = await t.post('/api/auth/register', {
      email: 'a@b.co',
      password: 'short',
      displayName: 'A',
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as any).message).toMatch(/at least 10 characters/);
    const extra = await t.post('/api/auth/register', {
      email: 'a@b.co',
      password: 'long enough password',
      displayName: 'A',
      role: 'admin',
    });
    expect(extra.status).toBe(400);
    const taken = await t.post('/api/auth/register', {
      email: 'customer@atende.dev',
      password: 'long enough password',
      displayName: 'A',
    });
    expect(taken.status).toBe(409);
  });
});

describe('login and brute force', () => {
  it('signs in the demo accounts with their roles', async () => {
    for (const [email, role] of [
      ['customer@atende.dev', 'customer'],
      ['premium@atende.dev', 'premium'],
      ['operator@atende.dev', 'operator'],
      ['admin@atende.dev', 'admin'],
    ]) {
      const response = await login(email as string, TEST_PASSWORD);
      expect(response.status).toBe(200);
      expect(((await response.json()) as any).user.role).toBe(role);
    }
  });

  it('locks the account after five wrong passwords: the right one then gets 429 with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await login('customer@atende.dev', `wrong password ${i}`);
      expect(response.status).toBe(401);
    }
    const right = await login('customer@atende.dev', TEST_PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(((await right.json()) as any).code).toBe('too_many_attempts');
    const events = (await t.audit.recent({ limit: 20 })).map((e) => e.event);
    expect(events.filter((e) => e === 'login_failed')).toHaveLength(4);
    expect(events).toContain('login_locked');
  });

  it('holds under concurrent guesses: at most five are checked, the rest get 429', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        login('customer@atende.dev', `guess number ${i}`, `198.18.1.${i}`),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });

  it('holds the per-IP limit under concurrent guesses across accounts', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(`user${i}@example.com`, 'wrong password!', '192.0.2.77')),
    );
    expect(responses.filter((r) => r.status === 401)).toHaveLength(20);
  });

  it('answers an unknown account exactly like a wrong password, lockout included', async () => {
    const known = await login('customer@atende.dev', 'wrong password!');
    const unknown = await login('nobody@atende.dev', 'wrong password!');
    expect(unknown.status).toBe(known.status);
    const strip = (b: any) => ({ code: b.code, message: b.message });
    expect(strip(await unknown.json())).toEqual(strip(await known.json()));
    for (let i = 0; i < 4; i++) await login('nobody@atende.dev', 'wrong password!');
    expect((await login('nobody@atende.dev', 'wrong password!')).status).toBe(429);
  });

  it('takes as long for an unknown account as for a wrong password (Argon2 runs either way)', async () => {
    const time = async (email: string, ip: string) => {
      const started = performance.now();
      await login(email, 'not the password', ip);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // Different IPs and accounts so no limit kicks in; interleaved so machine noise hits both alike.
    for (let i = 0; i < 8; i++) {
      known.push(await time(i % 2 ? 'customer@atende.dev' : 'premium@atende.dev', `198.51.100.${i}`));
      unknown.push(await time(`ghost${i}@atende.dev`, `198.51.100.${100 + i}`));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('limits failures per IP across many accounts, and audits the address once', async () => {
    for (let i = 0; i < 20; i++) await login(`user${i}@example.com`, 'wrong password!', '192.0.2.9');
    const next = await login('customer@atende.dev', TEST_PASSWORD, '192.0.2.9');
    expect(next.status).toBe(429);
    expect(next.headers.get('retry-after')).toBeTruthy();
    // The failure that spent the address's allowance is audited, once.
    const limited = await t.audit.recent({ event: 'login_address_limited' });
    expect(limited.map((e) => e.ip)).toEqual(['192.0.2.9']);
    // Another address is not affected.
    expect((await login('customer@atende.dev', TEST_PASSWORD, '192.0.2.10')).status).toBe(200);
  });

  it('audits the address once when it is spent on one locked account (credential stuffing)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push((await login('customer@atende.dev', `guess ${i}!!`, '192.0.2.77')).status);
    expect(statuses.slice(0, 4).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const limited = await t.audit.recent({ event: 'login_address_limited' });
    expect(limited.map((e) => e.ip)).toEqual(['192.0.2.77']);
  });

  it('re-hashes a password made with old parameters on login', async () => {
    const old = await hashPassword(TEST_PASSWORD, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
    const account = await t.accounts.findByEmail('premium@atende.dev');
    await t.accounts.updatePasswordHash(account!.id, old);
    expect(needsRehash(old)).toBe(true);
    expect((await login('premium@atende.dev', TEST_PASSWORD)).status).toBe(200);
    const updated = await t.accounts.findByEmail('premium@atende.dev');
    expect(needsRehash(updated!.passwordHash)).toBe(false);
    expect((await t.audit.recent({ event: 'password_rehashed' })).length).toBe(1);
  });
});

describe('refresh tokens', () => {
  it('rotates on every use; replaying a spent token revokes the whole family and is audited', async () => {
    const first = (await (await login('customer@atende.dev', TEST_PASSWORD)).json()) as any;
    const second = (await (
      await t.post('/api/auth/refresh', { refreshToken: first.refreshToken })
    ).json()) as any;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).toBeTruthy();
    const replay = await t.post('/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    // The thief's replay also kills the legitimate holder's newer token.
    expect((await t.post('/api/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
    expect((await t.audit.recent({ event: 'refresh_reuse_detected' })).length).toBe(1);
  });

  it('stores only a SHA-256 of the refresh token’s secret', async () => {
    const session = (await (await login('customer@atende.dev', TEST_PASSWORD)).json()) as any;
    const [id, secret] = session.refreshToken.split('.');
    const rows = await t.sql.query<{ token_hash: string }>(
      'select token_hash from refresh_tokens where id = $1',
      [id],
    );
    const { createHash } = await import('node:crypto');
    expect(rows[0]?.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    const dump = JSON.stringify(await t.sql.query('select * from refresh_tokens'));
    expect(dump).not.toContain(secret);
  });

  it('logout revokes the family', async () => {
    const session = (await (await login('customer@atende.dev', TEST_PASSWORD)).json()) as any;
    expect((await t.post('/api/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);
    expect((await t.post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
  });

  it('logout everywhere ends every sign-in of the account, other devices included', async () => {
    const here = (await (await login('customer@atende.dev', TEST_PASSWORD)).json()) as any;
    const elsewhere = (await (await login('customer@atende.dev', TEST_PASSWORD)).json()) as any;
    const other = (await (await login('premium@atende.dev', TEST_PASSWORD)).json()) as any;
    expect(
      (await t.post('/api/auth/logout', { refreshToken: here.refreshToken, everywhere: true })).status,
    ).toBe(204);
    expect((await t.post('/api/auth/refresh', { refreshToken: elsewhere.refreshToken })).status).toBe(401);
    // Someone else's sign-in is untouched.
    expect((await t.post('/api/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(200);
  });

  it('ends a sign-in 30 days after it began, however often its tokens were rotated', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const accounts = createAccountStore({ sql: t.sql, now: () => clock });
    const account = await accounts.findByEmail('customer@atende.dev');
    let { refreshToken } = await accounts.issueRefreshToken(account?.id as string);
    for (const day of [10, 20, 29]) {
      clock = new Date(Date.UTC(2026, 0, 1 + day));
      const outcome = await accounts.rotateRefreshToken(refreshToken);
      expect(outcome.status, `day ${day}`).toBe('rotated');
      if (outcome.status === 'rotated') refreshToken = outcome.refreshToken;
    }
    clock = new Date(Date.UTC(2026, 0, 31, 0, 0, 1));
    expect((await accounts.rotateRefreshToken(refreshToken)).status).toBe('invalid');
  });

  it('gives access tokens a 15-minute life', async () => {
    const response = await login('customer@atende.dev', TEST_PASSWORD);
    const body = (await response.json()) as any;
    expect(body.expiresIn).toBe(900);
    const claims = decodeJwt(body.accessToken);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
  });

  it('refuses a made-up refresh token', async () => {
    const fake = `${crypto.randomUUID()}.${'A'.repeat(43)}`;
    expect((await t.post('/api/auth/refresh', { refreshToken: fake })).status).toBe(401);
  });
});

describe('access tokens at the API', () => {
  const history = (token: string) =>
    t.request(`/api/conversations/${crypto.randomUUID()}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });

  async function claimsOf(token: string) {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  }

  it('accepts a genuine token (404 for a conversation that is not the shopper’s)', async () => {
    const { token } = await t.accessTokens.issue({ subject: 'x', role: 'customer' });
    expect((await history(token)).status).toBe(404);
  });

  it('refuses alg none', async () => {
    const { token } = await t.accessTokens.issue({ subject: 'x', role: 'customer' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await history(`${header}.${token.split('.')[1]}.`)).status).toBe(401);
  });

  it('refuses a token signed by another key', async () => {
    const other = await createSigningKeys();
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: t.keys.kid })
      .setIssuer('atende-orchestrator')
      .setAudience('atende-api')
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(other.privateKey);
    expect((await history(forged)).status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const expired = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'RS256', kid: t.keys.kid })
      .setIssuer('atende-orchestrator')
      .setAudience('atende-api')
      .setSubject('x')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 1800)
      .sign(t.keys.privateKey);
    expect((await history(expired)).status).toBe(401);
  });

  it('refuses a forged role (payload edited after signing)', async () => {
    const { token } = await t.accessTokens.issueGuest();
    const [h, , s] = token.split('.');
    const claims = { ...(await claimsOf(token)), role: 'admin' };
    const edited = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect((await history(edited)).status).toBe(401);
  });
});
