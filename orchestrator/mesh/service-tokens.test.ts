import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createCachingMinter, createServiceTokenMinter, type ServiceTokenRequest } from './service-tokens.js';
import { createSigningKeys } from './signing-keys.js';

const request: ServiceTokenRequest = {
  audience: 'https://assistant:9101/a2a',
  subject: 'guest:1',
  role: 'guest',
  skill: 'faq-answer',
  scopes: ['assistant:faq'],
  correlationId: 'req-1',
};

describe('service tokens', () => {
  it('carries issuer, audience, subject, role, scopes, skill, a unique id, the correlation id and a short expiry', async () => {
    const minter = createServiceTokenMinter({
      keys: await createSigningKeys(),
      issuer: 'atende',
      ttlSec: 60,
    });
    const claims = decodeJwt(await minter.mint(request));
    expect(claims).toMatchObject({
      iss: 'atende',
      aud: request.audience,
      sub: 'guest:1',
      role: 'guest',
      scope: 'assistant:faq',
      skill: 'faq-answer',
      cid: 'req-1',
    });
    expect(claims.exp! - claims.iat!).toBe(60);
    const other = decodeJwt(await minter.mint(request));
    expect(other.jti).not.toBe(claims.jti);
  });

  it('reuses a token for the same shopper, agent, skill and scopes while it is fresh, and no longer', async () => {
    let clock = 1_000_000;
    const base = createServiceTokenMinter({
      keys: await createSigningKeys(),
      issuer: 'atende',
      ttlSec: 60,
      now: () => clock,
    });
    const minter = createCachingMinter({ minter: base, ttlSec: 60, reuseMarginSec: 20, now: () => clock });
    const first = await minter.mint(request);
    expect(await minter.mint({ ...request, correlationId: 'req-2' })).toBe(first);
    expect(await minter.mint({ ...request, subject: 'guest:2' })).not.toBe(first);
    expect(await minter.mint({ ...request, role: 'customer' })).not.toBe(first);
    expect(await minter.mint({ ...request, audience: 'https://orders:9103/a2a' })).not.toBe(first);
    expect(await minter.mint({ ...request, scopes: ['assistant:faq', 'x'] })).not.toBe(first);
    clock += 41_000;
    const renewed = await minter.mint(request);
    expect(renewed).not.toBe(first);
    expect(decodeJwt(renewed).exp! * 1000 - clock).toBeGreaterThan(20_000);
  });

  it('keeps at most maxEntries tokens, dropping the least recently used', async () => {
    const base = createServiceTokenMinter({ keys: await createSigningKeys(), issuer: 'atende', ttlSec: 60 });
    const minter = createCachingMinter({ minter: base, ttlSec: 60, maxEntries: 3 });
    const first = await minter.mint({ ...request, subject: 'guest:0' });
    for (let i = 1; i < 10; i++) {
      await minter.mint({ ...request, subject: `guest:${i}` });
      expect(await minter.mint({ ...request, subject: 'guest:0' })).toBe(first);
    }
    expect(minter.size).toBe(3);
  });

  it('does not keep a token whose minting failed', async () => {
    let calls = 0;
    const minter = createCachingMinter({
      minter: {
        mint: async () => {
          calls++;
          if (calls === 1) throw new Error('key store down');
          return `token-${calls}`;
        },
      },
      ttlSec: 60,
    });
    await expect(minter.mint(request)).rejects.toThrow('key store down');
    expect(minter.size).toBe(0);
    expect(await minter.mint(request)).toBe('token-2');
    expect(await minter.mint(request)).toBe('token-2');
  });

  it('mints every time when the margin leaves no time to reuse a token in', async () => {
    let calls = 0;
    const minter = createCachingMinter({
      minter: { mint: async () => `token-${++calls}` },
      ttlSec: 10,
      reuseMarginSec: 10,
    });
    expect(await minter.mint(request)).toBe('token-1');
    expect(await minter.mint(request)).toBe('token-2');
    expect(minter.size).toBe(0);
  });
});
