import { AgentCard, verifyAgentCardSignature } from '@a2a-js/sdk';
import { decodeProtectedHeader, type JWK } from 'jose';
import { fetchText } from './guarded-fetch.js';
import { InspectorError, type UrlGuard } from './url-guard.js';

/** The outcome for one JWS signature of a card. */
export interface SignatureResult {
  index: number;
  alg?: string;
  kid?: string;
  jku?: string;
  status: 'valid' | 'invalid' | 'unverifiable';
  message: string;
  /** True when the `kid` is one of this deployment's card-signing keys (the verdict is then against that key). */
  deployment?: boolean;
}

/** The signatures of a card: `absent` when it has none, `valid` when at least one verifies. */
export interface SignatureReport {
  status: 'absent' | 'valid' | 'invalid' | 'unverifiable';
  results: SignatureResult[];
}

type Json = Record<string, unknown>;

/**
 * Verifies each JWS signature of a card (A2A §8.4: JWS over the JCS-canonical card) with the SDK's verifier. A `kid`
 * among `trustedKeys` (this deployment's card-signing keys) is verified with that key, whatever `jku` says; other
 * keys come from the JWKS at the signature's `jku`, fetched through the guard; a signature without `jku` or whose
 * key cannot be fetched is `unverifiable`.
 */
export async function checkSignatures(options: {
  card: unknown;
  fetch: typeof fetch;
  guard: UrlGuard;
  trustedKeys?: JWK[];
}): Promise<SignatureReport> {
  const card = options.card as Json;
  const signatures = Array.isArray(card?.signatures) ? (card.signatures as Json[]) : [];
  if (!signatures.length) return { status: 'absent', results: [] };
  const jwksCache = new Map<string, Promise<JWK[]>>();
  const keysAt = (jku: string) => {
    let keys = jwksCache.get(jku);
    if (!keys) {
      keys = fetchText({ fetch: options.fetch, guard: options.guard, url: jku }).then((r) => {
        const jwks = JSON.parse(r.text) as { keys?: JWK[] };
        if (!Array.isArray(jwks.keys)) throw new InspectorError('not_json', `${jku} is not a JWK set`);
        return jwks.keys;
      });
      jwksCache.set(jku, keys);
    }
    return keys;
  };

  const results: SignatureResult[] = [];
  for (const [index, signature] of signatures.entries()) {
    let header: Record<string, unknown>;
    try {
      header = { ...(signature.header as Json | undefined), ...decodeProtectedHeader(signature as never) };
    } catch {
      results.push({
        index,
        status: 'invalid',
        message: 'the protected header is not base64url-encoded JSON',
      });
      continue;
    }
    const alg = typeof header.alg === 'string' ? header.alg : undefined;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const jku = typeof header.jku === 'string' ? header.jku : undefined;
    const base = { index, alg, kid, jku };
    const trusted = kid ? options.trustedKeys?.find((k) => k.kid === kid) : undefined;
    if (trusted) {
      try {
        const one = AgentCard.fromJSON({ ...card, signatures: [signature] });
        await verifyAgentCardSignature(async () => trusted)(one);
        results.push({
          ...base,
          deployment: true,
          status: 'valid',
          message: "signed with this deployment's card-signing key",
        });
      } catch (error) {
        results.push({
          ...base,
          deployment: true,
          status: 'invalid',
          message: `does not verify: ${(error as Error).message}`,
        });
      }
      continue;
    }
    if (!jku) {
      results.push({
        ...base,
        status: 'unverifiable',
        message: 'no "jku" header: the card does not say where its key is',
      });
      continue;
    }
    let key: JWK | undefined;
    try {
      const keys = await keysAt(jku);
      key = keys.find((k) => !kid || k.kid === kid);
    } catch (error) {
      const why = error instanceof InspectorError ? error.message : String(error);
      results.push({ ...base, status: 'unverifiable', message: `cannot fetch the key set: ${why}` });
      continue;
    }
    if (!key) {
      results.push({ ...base, status: 'unverifiable', message: `the key set at ${jku} has no key "${kid}"` });
      continue;
    }
    try {
      const one = AgentCard.fromJSON({ ...card, signatures: [signature] });
      const found = key;
      await verifyAgentCardSignature(async () => found)(one);
      results.push({ ...base, status: 'valid', message: 'the signature matches the canonical card' });
    } catch (error) {
      results.push({ ...base, status: 'invalid', message: `does not verify: ${(error as Error).message}` });
    }
  }
  const status = results.some((r) => r.status === 'valid')
    ? 'valid'
    : results.some((r) => r.status === 'invalid')
      ? 'invalid'
      : 'unverifiable';
  return { status, results };
}
