import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** The orchestrator's RS256 signing key and the public JWKS it publishes. */
export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  jwks: { keys: JWK[] };
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKeys> {
  const kid = jwk.kid ?? randomUUID();
  const privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
  const { kty, n, e } = jwk;
  return { kid, privateKey, jwks: { keys: [{ kty, n, e, kid, alg: 'RS256', use: 'sig' }] } };
}

/** Creates a fresh RS256 key pair in memory (tests). */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return fromPrivateJwk({ ...jwk, kid: randomUUID(), alg: 'RS256' });
}

/** Loads the key pair from `path`, creating it (mode 0600) on first start. */
export async function loadOrCreateSigningKeys(path: string): Promise<SigningKeys> {
  try {
    return await fromPrivateJwk(JSON.parse(await readFile(path, 'utf8')) as JWK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256' };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(jwk), { mode: 0o600 });
  await chmod(path, 0o600);
  return fromPrivateJwk(jwk);
}
