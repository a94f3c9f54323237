import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard } from '@a2a-js/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { agentCardToJson, parseAgentCard } from './card.js';
import {
  CARD_SIGNING_KEY_FILE,
  CardSignatureError,
  createCardSignatureCheck,
  createCardSigningKey,
  loadOrCreateCardSigningKey,
  signAgentCard,
} from './card-signing.js';
import { testCard } from './testing/fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('card signing', () => {
  it('a signed card verifies after a trip through JSON, naming its key and JWKS URL', async () => {
    const key = await createCardSigningKey();
    const signed = await signAgentCard(testCard('https://localhost:9/a2a'), key, {
      jku: 'https://localhost:8443/.well-known/card-signing-keys.json',
    });
    expect(signed.signatures).toHaveLength(1);
    const header = JSON.parse(Buffer.from(signed.signatures[0]!.protected, 'base64url').toString());
    expect(header).toMatchObject({
      alg: 'ES256',
      kid: key.kid,
      jku: expect.stringContaining('card-signing-keys'),
    });
    const wire = parseAgentCard(JSON.parse(JSON.stringify(agentCardToJson(signed))));
    await expect(createCardSignatureCheck({ jwks: key.jwks })(wire)).resolves.toEqual({ kid: key.kid });
  });

  it('refuses an unsigned card, a changed card, and a card signed by a key outside the set', async () => {
    const key = await createCardSigningKey();
    const check = createCardSignatureCheck({ jwks: key.jwks });
    await expect(check(testCard('https://localhost:9/a2a'))).rejects.toThrow(/not signed/);

    const signed = await signAgentCard(testCard('https://localhost:9/a2a'), key);
    // An attacker on the path points the interface somewhere else and keeps the signature.
    const moved = AgentCard.fromJSON({
      ...(agentCardToJson(signed) as object),
      supportedInterfaces: [
        { url: 'https://evil.example/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      ],
    });
    await expect(check(moved)).rejects.toBeInstanceOf(CardSignatureError);

    const stranger = await createCardSigningKey();
    await expect(check(await signAgentCard(testCard('https://localhost:9/a2a'), stranger))).rejects.toThrow(
      /unknown key/,
    );
  });

  it('processes starting together on a fresh folder end up with one key, readable by the owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-card-key-'));
    dirs.push(dir);
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateCardSigningKey(dir)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await readdir(dir)).toEqual([CARD_SIGNING_KEY_FILE]);
    expect((await stat(join(dir, CARD_SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateCardSigningKey(dir);
    expect(again.kid).toBe(keys[0]?.kid);
  });
});
