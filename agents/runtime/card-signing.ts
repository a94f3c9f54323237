import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentCard, canonicalizeAgentCard, generateAgentCardSignature } from '@a2a-js/sdk';
import { base64url, exportJWK, flattenedVerify, generateKeyPair, importJWK, type JWK } from 'jose';

/** The deployment's card-signing key file, beside the mesh certificates (mode 0600). */
export const CARD_SIGNING_KEY_FILE = 'card-signing-key.json';
/** Where the orchestrator publishes the public card-signing keys; the signatures' `jku` names it. */
export const CARD_KEYS_PATH = '/.well-known/card-signing-keys.json';

/** The deployment's ES256 card-signing key: its private half signs cards, its JWKS lets anyone verify them. */
export interface CardSigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwks: { keys: JWK[] };
}

async function fromPrivateJwk(jwk: JWK): Promise<CardSigningKey> {
  if (!jwk.kid) throw new Error('the card-signing key has no kid');
  const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
  const { kty, crv, x, y, kid } = jwk;
  return { kid, privateKey, jwks: { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }] } };
}

/** Creates a card-signing key in memory (tests). */
export async function createCardSigningKey(): Promise<CardSigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return fromPrivateJwk({ ...(await exportJWK(privateKey)), kid: `card-${randomUUID()}`, alg: 'ES256' });
}

/**
 * Loads the deployment's card-signing key from `dir`, creating it on first start. Every process of the mesh may start
 * at once on a fresh folder: the key is written to a private temporary file and linked into place, so exactly one
 * key wins and the others read it.
 */
export async function loadOrCreateCardSigningKey(dir: string): Promise<CardSigningKey> {
  const path = join(dir, CARD_SIGNING_KEY_FILE);
  try {
    return await fromPrivateJwk(JSON.parse(await readFile(path, 'utf8')) as JWK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `card-${randomUUID()}`, alg: 'ES256' };
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${CARD_SIGNING_KEY_FILE}.${process.pid}.${randomUUID()}`);
  await writeFile(temporary, JSON.stringify(jwk), { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  return fromPrivateJwk(JSON.parse(await readFile(path, 'utf8')) as JWK);
}

/**
 * The card with a JWS signature (RFC 8785 canonical JSON of the card, as the SDK's helpers produce) whose protected
 * header names the key (`kid`) and, when given, the JWKS URL where it is published (`jku`).
 */
export function signAgentCard(card: AgentCard, key: CardSigningKey, options: { jku?: string } = {}) {
  const sign = generateAgentCardSignature(key.privateKey, {
    alg: 'ES256',
    typ: 'JOSE',
    kid: key.kid,
    ...(options.jku ? { jku: options.jku } : {}),
  });
  return sign({ ...card, signatures: [] });
}

/** Why a card's signature was refused. */
export class CardSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardSignatureError';
  }
}

/**
 * A check that a card carries at least one signature that verifies against `jwks` — the deployment's own keys, from
 * configuration, never from a URL the card itself names. The payload is the SDK's canonical form of the card (RFC
 * 8785 JSON without `signatures`); the JWS is checked with jose (the SDK's own verifier logs every failed entry to the
 * console, which a discovery loop would repeat every few seconds). Resolves with the `kid` that verified; throws a
 * {@link CardSignatureError} saying what is wrong.
 */
export function createCardSignatureCheck(options: { jwks: { keys: JWK[] } }) {
  const keys = new Map(options.jwks.keys.filter((k) => k.kid).map((k) => [k.kid as string, k]));
  return async (card: AgentCard): Promise<{ kid: string }> => {
    if (!card.signatures?.length) throw new CardSignatureError('the card is not signed');
    const payload = base64url.encode(canonicalizeAgentCard(card));
    const kids: string[] = [];
    for (const entry of card.signatures) {
      const header = protectedHeader(entry.protected);
      if (!header?.kid || !header.alg || !header.typ) continue;
      kids.push(header.kid);
      const jwk = keys.get(header.kid);
      // The key decides the algorithm, never the header (no algorithm confusion).
      if (!jwk || header.alg !== jwk.alg) continue;
      try {
        await flattenedVerify(
          { payload, protected: entry.protected, signature: entry.signature, header: entry.header },
          await importJWK(jwk, header.alg),
        );
        return { kid: header.kid };
      } catch {
        // The next signature may verify.
      }
    }
    if (kids.length && !kids.some((kid) => keys.has(kid))) {
      throw new CardSignatureError(`signed with an unknown key (kid ${kids.join(', ')})`);
    }
    throw new CardSignatureError("no signature verifies against the deployment's card-signing keys");
  };
}

/** A JWS protected header (base64url JSON), or undefined when unreadable. */
function protectedHeader(encoded: string): { kid?: string; alg?: string; typ?: string } | undefined {
  try {
    const header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      kid: typeof header.kid === 'string' ? header.kid : undefined,
      alg: typeof header.alg === 'string' ? header.alg : undefined,
      typ: typeof header.typ === 'string' ? header.typ : undefined,
    };
  } catch {
    return undefined;
  }
}
