import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateKeySetEntry,
  type KeySetEntry,
  type SigningKeys,
  signingKeysFromEntries,
} from '../../orchestrator/mesh/signing-keys.js';
import { createLogger } from './logger.js';
import { createMtlsFetch, type MtlsFetch } from './mtls-fetch.js';
import { createAgentApp, listenTls, type RunningServer, startAgentServer } from './server.js';
import { createRemoteKeySet, createTokenVerifier } from './service-token.js';
import { createTestPki, echoExecutor, type TestPki, testCard } from './testing/fixtures.js';

// Key rotation as an agent sees it: a real mTLS agent server verifying service tokens against the orchestrator's
// JWKS, served over mTLS by a stand-in whose key set the test rotates, and which counts its fetches.

const ISSUER = 'atende-orchestrator';
const COOLDOWN_MS = 3_000;
let pki: TestPki;
let jwksServer: RunningServer;
let agent: RunningServer;
let mesh: MtlsFetch;
let agentMesh: MtlsFetch;
let rpcUrl: string;
/** What the JWKS stand-in serves: the orchestrator's published keys, or a failure. */
let published: { keys: SigningKeys } | { status: number };
let fetches = 0;
/** When each fetch reached the JWKS stand-in (ms). */
const fetchTimes: number[] = [];
/** The orchestrator's key before the rotation. */
let oldEntry: KeySetEntry;

beforeAll(async () => {
  pki = await createTestPki();
  oldEntry = await generateKeySetEntry(new Date(Date.now() - 60_000));
  published = { keys: await signingKeysFromEntries([oldEntry]) };
  jwksServer = await listenTls({
    fetch: () => {
      fetches++;
      fetchTimes.push(Date.now());
      if ('status' in published) return new Response('down', { status: published.status });
      return Response.json(published.keys.jwks);
    },
    port: 0,
    host: '127.0.0.1',
    serverOptions: { ...(await pki.tls('orchestrator')), requestCert: true, rejectUnauthorized: true },
  });
  const agentTls = await pki.tls('testagent');
  agentMesh = createMtlsFetch({ tls: agentTls });
  const keys = createRemoteKeySet({
    url: new URL(`https://localhost:${jwksServer.port}/.well-known/jwks.json`),
    fetch: agentMesh.fetch,
    cooldownMs: COOLDOWN_MS,
  });
  // Port 0 first to learn a port, then the card and audience name it.
  const probe = await startAgentServer({
    app: createAgentApp({
      card: testCard('https://localhost:1/a2a'),
      executor: echoExecutor(),
      logger: createLogger({ name: 't', level: 'silent' }),
      verifier: createTokenVerifier({ keys, issuer: ISSUER, audience: 'x' }),
    }),
    tls: agentTls,
    port: 0,
    host: '127.0.0.1',
  });
  const port = probe.port;
  await probe.close();
  rpcUrl = `https://localhost:${port}/a2a`;
  agent = await startAgentServer({
    app: createAgentApp({
      card: testCard(rpcUrl),
      executor: echoExecutor(),
      logger: createLogger({ name: 't', level: 'silent' }),
      verifier: createTokenVerifier({ keys, issuer: ISSUER, audience: rpcUrl }),
    }),
    tls: agentTls,
    port,
    host: '127.0.0.1',
  });
  mesh = createMtlsFetch({ tls: await pki.tls('orchestrator') });
}, 120_000);

afterAll(async () => {
  await mesh?.close();
  await agentMesh?.close();
  await agent?.close();
  await jwksServer?.close();
});

/** A service token as the orchestrator mints it, signed with `key` under `kid`. */
function serviceToken(signing: { kid: string; privateKey: CryptoKey }) {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'customer', scope: 'test:echo', skill: 'echo', cid: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(rpcUrl)
    .setSubject('customer-1')
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .sign(signing.privateKey);
}

/** Sends one task to the agent with `token`; the HTTP status. */
async function call(token: string): Promise<number> {
  const response = await mesh.fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: {
        message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hello' }] },
        metadata: { skill: 'echo' },
      },
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an agent verifying service tokens across a key rotation', () => {
  it('accepts a token signed with a new key after caching only the old JWKS: it fetches the set again', async () => {
    const old = 'keys' in published ? published.keys : undefined;
    if (!old) throw new Error('setup');
    expect(await call(await serviceToken(old.current()))).toBe(200);
    expect(fetches).toBe(1);
    // The orchestrator rotates: a new key signs from now on; the old one stays published.
    const next = await generateKeySetEntry(new Date());
    const rotated = await signingKeysFromEntries([oldEntry, next]);
    published = { keys: rotated };
    expect(rotated.current().kid).toBe(next.kid);
    expect(rotated.jwks.keys.map((k) => k.kid)).toEqual([oldEntry.kid, next.kid]);
    await sleep(COOLDOWN_MS + 100);
    expect(await call(await serviceToken(rotated.current()))).toBe(200);
    expect(fetches).toBe(2);
    // The old key's token still verifies (no fetch needed).
    expect(await call(await serviceToken(old.current()))).toBe(200);
    expect(fetches).toBe(2);
  });

  it('a storm of 100 tokens naming unknown kids costs at most one fetch per cooldown, and each is refused', async () => {
    await sleep(COOLDOWN_MS + 100);
    const before = fetches;
    const started = Date.now();
    const strangers = await signingKeysFromEntries([await generateKeySetEntry()]);
    const forged = await Promise.all(
      Array.from({ length: 100 }, () =>
        serviceToken({ kid: randomUUID(), privateKey: strangers.privateKey }),
      ),
    );
    const statuses = await Promise.all(forged.map(call));
    // A second wave right after.
    statuses.push(...(await Promise.all(forged.slice(0, 50).map(call))));
    const elapsed = Date.now() - started;
    expect(statuses.every((s) => s === 401)).toBe(true);
    const storm = fetchTimes.slice(before);
    expect(storm.length).toBeGreaterThanOrEqual(1);
    // However long the storm took on this machine: no two fetches closer than the cooldown.
    expect(storm.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / COOLDOWN_MS));
    for (let i = 1; i < storm.length; i++) {
      expect((storm[i] as number) - (storm[i - 1] as number)).toBeGreaterThanOrEqual(COOLDOWN_MS - 50);
    }
    console.log(
      `150 unknown-kid tokens in ${elapsed} ms: ${storm.length} JWKS fetch(es), cooldown ${COOLDOWN_MS} ms`,
    );
  });

  it('while the JWKS cannot be fetched, unknown kids cost one attempt per cooldown and are answered 503', async () => {
    const keep = published;
    await sleep(COOLDOWN_MS + 100);
    published = { status: 500 };
    const before = fetches;
    try {
      const strangers = await signingKeysFromEntries([await generateKeySetEntry()]);
      const statuses: number[] = [];
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        statuses.push(
          await call(await serviceToken({ kid: randomUUID(), privateKey: strangers.privateKey })),
        );
      }
      expect(new Set(statuses)).toEqual(new Set([503]));
      // jose alone would try at every token: 20 attempts.
      expect(fetches - before).toBeGreaterThanOrEqual(1);
      expect(fetches - before).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / COOLDOWN_MS));
    } finally {
      published = keep;
    }
  });

  it('a token whose kid is in no set stays refused after the refresh, and tokens of known keys still pass', async () => {
    await sleep(COOLDOWN_MS + 100);
    const strangers = await signingKeysFromEntries([await generateKeySetEntry()]);
    expect(await call(await serviceToken(strangers.current()))).toBe(401);
    if (!('keys' in published)) throw new Error('setup');
    expect(await call(await serviceToken(published.keys.current()))).toBe(200);
  });
});
