import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { createTokenVerifier } from '../../agents/runtime/service-token.js';
import { createOrchestrator } from '../app.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { loadConfig } from '../config.js';
import { createMetricsRegistry } from '../metrics/index.js';
import { createPgliteClient, migrate, type SqlClient } from '../store/index.js';
import { createStaticAgentDirectory } from './agent-directory.js';
import { createServiceTokenMinter } from './service-tokens.js';
import {
  entriesInUse,
  generateKeySetEntry,
  loadOrCreateSigningKeys,
  loadSigningKeys,
  rotateKeySetFile,
  signingKeysFromEntries,
} from './signing-keys.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const tempFile = async () => join(await mkdtemp(join(tmpdir(), 'atende-keys-')), 'signing-keys.json');

describe('signing key sets', () => {
  it('signs with the newest key whose notBefore has passed, read from the clock at every signature', async () => {
    const [a, b, c] = [
      await generateKeySetEntry(),
      await generateKeySetEntry(new Date(T0 + HOUR)),
      await generateKeySetEntry(new Date(T0 + 2 * HOUR)),
    ];
    let now = T0;
    // Out of order in the file on purpose: the start times decide.
    const keys = await signingKeysFromEntries({ keys: [c, a, b] }, { now: () => now, retireAfterSec: 600 });
    const minter = createServiceTokenMinter({ keys, issuer: 'atende', ttlSec: 60, now: () => now });
    const request = {
      audience: 'x',
      subject: 's',
      role: 'guest',
      skill: 'k',
      scopes: [],
      correlationId: 'c',
    };
    expect(kidOf(await minter.mint(request))).toBe(a.kid);
    // Before b signs, the JWKS already publishes it (and c), so verifiers learn them early.
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([a.kid, b.kid, c.kid]);
    now = T0 + HOUR - 1;
    expect(kidOf(await minter.mint(request))).toBe(a.kid);
    now = T0 + HOUR;
    expect(kidOf(await minter.mint(request))).toBe(b.kid);
    now = T0 + 2 * HOUR;
    expect(kidOf(await minter.mint(request))).toBe(c.kid);
    // a is older than the previous key (b) and retired 600 s after b started: out of the JWKS, refused.
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([b.kid, c.kid]);
    expect(keys.jwks.keys.every((k) => k.d === undefined && k.p === undefined)).toBe(true);
  });

  it('keeps an older key published while a token it signed can be unexpired', async () => {
    const [a, b, c] = [
      await generateKeySetEntry(),
      await generateKeySetEntry(new Date(T0 + 60_000)),
      await generateKeySetEntry(new Date(T0 + 120_000)),
    ];
    let now = T0 + 120_000;
    const keys = await signingKeysFromEntries([a, b, c], { now: () => now, retireAfterSec: 24 * 3600 });
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([a.kid, b.kid, c.kid]);
    now = T0 + 60_000 + 24 * HOUR;
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([b.kid, c.kid]);
    expect(entriesInUse([a, b, c], now, 24 * 3600).map((k) => k.kid)).toEqual([b.kid, c.kid]);
  });

  it('refuses a file with duplicate kids, a public key only, no key, or no key signing yet', async () => {
    const a = await generateKeySetEntry();
    await expect(signingKeysFromEntries([a, { ...a }])).rejects.toThrow(/share a kid/);
    await expect(signingKeysFromEntries([{ ...a, d: undefined }])).rejects.toThrow(/invalid signing keys/);
    await expect(signingKeysFromEntries({ keys: [] })).rejects.toThrow(/no key/);
    await expect(signingKeysFromEntries([{ ...a, notBefore: 'tomorrow' }])).rejects.toThrow(/notBefore/);
    // A set in which no key signs yet would leave the orchestrator unable to sign anything.
    const later = await generateKeySetEntry(new Date(Date.now() + HOUR));
    await expect(signingKeysFromEntries([later])).rejects.toThrow(/no signing key/);
    // So the first key of a new file signs at once, whatever --at says.
    const path = await tempFile();
    await rotateKeySetFile(path, { at: new Date(Date.now() + HOUR), retireAfterSec: 3600 });
    expect((await loadSigningKeys(path)).jwks.keys).toHaveLength(1);
  });

  it('reads the single-key file of earlier releases, and creates a key set (mode 0600) when none exists', async () => {
    const path = await tempFile();
    const created = await loadOrCreateSigningKeys(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSigningKeys(path);
    expect(again.kid).toBe(created.kid);
    const legacy = await tempFile();
    const { notBefore: _, ...jwk } = await generateKeySetEntry();
    await writeFile(legacy, JSON.stringify(jwk));
    expect((await loadSigningKeys(legacy)).kid).toBe(jwk.kid);
  });
});

describe('key rotation', () => {
  it('a token signed with the old key verifies after the rotation until it expires; the new key signs', async () => {
    let now = T0;
    const old = await generateKeySetEntry();
    const next = await generateKeySetEntry(new Date(T0 + 10 * 60_000));
    const keys = await signingKeysFromEntries([old, next], { now: () => now, retireAfterSec: 3600 });
    const tokens = createAccessTokens({
      keys,
      issuer: 'atende',
      guestTtlSec: 3600,
      accessTtlSec: 900,
      now: () => now,
    });
    const before = await tokens.issue({ subject: 'customer-1', role: 'customer' });
    expect(kidOf(before.token)).toBe(old.kid);
    now = T0 + 10 * 60_000; // the new key signs from here
    const after = await tokens.issue({ subject: 'customer-1', role: 'customer' });
    expect(kidOf(after.token)).toBe(next.kid);
    await expect(tokens.verify(`Bearer ${before.token}`)).resolves.toMatchObject({ subject: 'customer-1' });
    await expect(tokens.verify(`Bearer ${after.token}`)).resolves.toMatchObject({ subject: 'customer-1' });
    // An agent that fetched the JWKS now verifies a service token signed before the switch, until it expires.
    now = T0 + 10 * 60_000 - 30_000;
    const minter = createServiceTokenMinter({ keys, issuer: 'atende', ttlSec: 60, now: () => now });
    const service = await minter.mint({
      audience: 'https://orders:9103/a2a',
      subject: 'customer-1',
      role: 'customer',
      skill: 'order-status',
      scopes: ['orders:read'],
      correlationId: 'r1',
    });
    now = T0 + 10 * 60_000 + 20_000;
    const verifier = createTokenVerifier({
      keys: createLocalJWKSet(keys.jwks),
      issuer: 'atende',
      audience: 'https://orders:9103/a2a',
      clockToleranceSec: 0,
      now: () => new Date(now),
    });
    await expect(verifier.verify(`Bearer ${service}`)).resolves.toMatchObject({ sub: 'customer-1' });
    now = T0 + 10 * 60_000 + 31_000;
    await expect(verifier.verify(`Bearer ${service}`)).rejects.toMatchObject({ reason: 'expired' });
    // The old access token expires on its own schedule (15 minutes), not at the rotation.
    now = T0 + 15 * 60_000 + 1_000;
    await expect(tokens.verify(`Bearer ${before.token}`)).rejects.toMatchObject({ reason: 'expired' });
    await expect(tokens.verify(`Bearer ${after.token}`)).resolves.toMatchObject({ subject: 'customer-1' });
  });

  it('a token naming a kid from no set is refused, whatever key signed it', async () => {
    const keys = await signingKeysFromEntries([await generateKeySetEntry()]);
    const tokens = createAccessTokens({ keys, issuer: 'atende', guestTtlSec: 3600 });
    const stranger = await generateKeySetEntry();
    const strangerKeys = await signingKeysFromEntries([stranger]);
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: stranger.kid })
      .setIssuer('atende')
      .setAudience('atende-api')
      .setSubject('admin-1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(strangerKeys.privateKey);
    await expect(tokens.verify(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401 });
    // The same token with a kid the set does know, but the wrong key behind it: refused too.
    const relabelled = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .setIssuer('atende')
      .setAudience('atende-api')
      .setSubject('admin-1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(strangerKeys.privateKey);
    await expect(tokens.verify(`Bearer ${relabelled}`)).rejects.toMatchObject({ status: 401 });
  });

  it('a replica that loaded the file before a rotation reads it again on an unknown kid, at most once per cooldown', async () => {
    const path = await tempFile();
    let now = T0;
    await rotateKeySetFile(path, { at: new Date(0), now, retireAfterSec: 3600 });
    const options = { now: () => now, reloadCooldownMs: 5_000, reloadIntervalMs: 10 * HOUR };
    const stale = await loadSigningKeys(path, options);
    const staleTokens = createAccessTokens({
      keys: stale,
      issuer: 'atende',
      guestTtlSec: 3600,
      now: () => now,
    });

    // Rotate to a key signing right away; a replica started after it signs with it.
    const first = await rotateKeySetFile(path, { at: new Date(T0), now, retireAfterSec: 3600 });
    const fresh = await loadSigningKeys(path, options);
    const freshTokens = createAccessTokens({
      keys: fresh,
      issuer: 'atende',
      guestTtlSec: 3600,
      now: () => now,
    });
    const token = (await freshTokens.issueGuest()).token;
    expect(kidOf(token)).toBe(first.added.kid);
    await expect(staleTokens.verify(`Bearer ${token}`)).resolves.toMatchObject({ role: 'guest' });
    expect(stale.kid).toBe(first.added.kid);

    // A second rotation within the cooldown: the stale replica does not read the file for it yet…
    now += 1_000;
    const second = await rotateKeySetFile(path, { at: new Date(now), now, retireAfterSec: 3600 });
    const newer = await loadSigningKeys(path, options);
    const newest = (
      await createAccessTokens({
        keys: newer,
        issuer: 'atende',
        guestTtlSec: 3600,
        now: () => now,
      }).issueGuest()
    ).token;
    expect(kidOf(newest)).toBe(second.added.kid);
    await expect(staleTokens.verify(`Bearer ${newest}`)).rejects.toMatchObject({ status: 401 });
    // …and does once the cooldown has passed.
    now += 5_000;
    await expect(staleTokens.verify(`Bearer ${newest}`)).resolves.toMatchObject({ role: 'guest' });
  });

  it('a replica picks up a rotated file in the background, and keeps its keys when the new file is broken', async () => {
    const path = await tempFile();
    let now = T0;
    await rotateKeySetFile(path, { at: new Date(0), now, retireAfterSec: 3600 });
    const errors: unknown[] = [];
    const keys = await loadSigningKeys(path, {
      now: () => now,
      reloadIntervalMs: 30_000,
      onReloadError: (e) => errors.push(e),
    });
    const before = keys.kid;
    const rotated = await rotateKeySetFile(path, { at: new Date(T0 + HOUR), now, retireAfterSec: 3600 });
    now += 30_000;
    void keys.jwks; // a look starts the background read
    await keys.refresh();
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([before, rotated.added.kid]);
    expect(keys.kid).toBe(before);
    await writeFile(path, '{"keys": [');
    now += 30_000;
    await keys.refresh();
    expect(errors).toHaveLength(1);
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([before, rotated.added.kid]);
    now = T0 + HOUR;
    expect(keys.kid).toBe(rotated.added.kid);
  });

  it('rotating keeps the current and previous keys and drops the ones no token can need', async () => {
    const path = await tempFile();
    const day = 24 * HOUR;
    const a = await rotateKeySetFile(path, { at: new Date(T0), now: T0, retireAfterSec: 3600 });
    const b = await rotateKeySetFile(path, { at: new Date(T0 + day), now: T0, retireAfterSec: 3600 });
    expect(b.kept).toEqual([a.added.kid]);
    const c = await rotateKeySetFile(path, {
      at: new Date(T0 + 3 * day),
      now: T0 + 2 * day,
      retireAfterSec: 3600,
    });
    // At T0 + 2 days, b signs and a is its previous key: both stay.
    expect(c).toMatchObject({ kept: [a.added.kid, b.added.kid], dropped: [] });
    const d = await rotateKeySetFile(path, {
      at: new Date(T0 + 5 * day),
      now: T0 + 4 * day,
      retireAfterSec: 3600,
    });
    expect(d).toMatchObject({ kept: [b.added.kid, c.added.kid], dropped: [a.added.kid] });
    const file = JSON.parse(await readFile(path, 'utf8')) as {
      keys: Array<{ kid: string; notBefore: string }>;
    };
    expect(file.keys.map((k) => [k.kid, k.notBefore])).toEqual([
      [b.added.kid, iso(T0 + day)],
      [c.added.kid, iso(T0 + 3 * day)],
      [d.added.kid, iso(T0 + 5 * day)],
    ]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('replicas sharing a key file', { timeout: 120_000 }, () => {
  const opened: Array<() => Promise<void>> = [];
  // One database for every replica, as replicas share one PostgreSQL (migrating PGlite is the slow part).
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await createPgliteClient();
    await migrate({ sql });
  }, 120_000);
  afterAll(async () => {
    await sql.close();
  });
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
  });

  async function replica(path: string) {
    const config = loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://shop.test',
      SIGNING_KEYS_FILE: path,
      AGENT_URLS: '',
      LOG_LEVEL: 'silent',
      SEED_DEMO_ACCOUNTS: 'false',
    });
    const noNetwork = (() => Promise.reject(new Error('no network'))) as typeof fetch;
    const orchestrator = await createOrchestrator(config, {
      logger: createLogger({ name: 'test', level: 'silent' }),
      sql,
      directory: createStaticAgentDirectory([]),
      meshFetch: noNetwork,
      inspectorFetch: noNetwork,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
    });
    opened.push(() => orchestrator.close());
    const call = (path: string, init: RequestInit = {}) =>
      orchestrator.app.request(`https://shop.test${path}`, init, {
        incoming: { socket: { remoteAddress: '203.0.113.9' } },
      });
    return {
      jwks: async () =>
        (await (await call('/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> },
      guest: async () =>
        ((await (await call('/api/auth/guest', { method: 'POST' })).json()) as { accessToken: string })
          .accessToken,
      history: (token: string) =>
        call(`/api/conversations/${crypto.randomUUID()}/messages`, {
          headers: { authorization: `Bearer ${token}` },
        }),
    };
  }

  it("two app instances given the same SIGNING_KEYS_FILE accept each other's access tokens and publish the same JWKS", async () => {
    const path = await tempFile();
    await rotateKeySetFile(path, { at: new Date(Date.now() - 60_000), retireAfterSec: 3600 });
    await rotateKeySetFile(path, { at: new Date(Date.now() + HOUR), retireAfterSec: 3600 });
    const [a, b] = [await replica(path), await replica(path)];
    expect(await a.jwks()).toEqual(await b.jwks());
    expect((await a.jwks()).keys).toHaveLength(2);
    const fromA = await a.guest();
    const fromB = await b.guest();
    // A conversation id that does not exist: 404 once the token is accepted, 401 when it is not.
    expect((await b.history(fromA)).status).toBe(404);
    expect((await a.history(fromB)).status).toBe(404);

    // A replica with keys of its own (no shared file) is a stranger to both.
    const loneFile = await tempFile();
    await rotateKeySetFile(loneFile, { at: new Date(0), retireAfterSec: 3600 });
    const lone = await replica(loneFile);
    expect((await a.history(await lone.guest())).status).toBe(401);
    expect((await lone.history(fromA)).status).toBe(401);
  });

  it('a missing SIGNING_KEYS_FILE stops the start with a clear error (it is never created)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'atende-keys-')), 'absent.json');
    await expect(replica(path)).rejects.toThrow(/ENOENT|absent\.json/);
    await expect(stat(path)).rejects.toThrow();
  });

  it('verifies with the published keys only (jwtVerify on the JWKS)', async () => {
    const path = await tempFile();
    await rotateKeySetFile(path, { at: new Date(0), retireAfterSec: 3600 });
    const a = await replica(path);
    const token = await a.guest();
    const { payload } = await jwtVerify(token, createLocalJWKSet((await a.jwks()) as never), {
      audience: 'atende-api',
    });
    expect(payload.role).toBe('guest');
  });
});
