import type { JWK } from 'jose';
import { type CardFinding, type CardSummary, checkCard, summarizeCard } from './card-checks.js';
import { fetchText } from './guarded-fetch.js';
import { checkSignatures, type SignatureReport } from './signatures.js';
import { InspectorError, type UrlGuard } from './url-guard.js';

/** Everything the inspector found about one card. */
export interface InspectionReport {
  /** The card's URL, after any allowed redirect. */
  url: string;
  ms: number;
  /** The card could not be fetched or parsed: why, in words. */
  error?: { code: string; message: string };
  valid: boolean;
  findings: CardFinding[];
  card?: unknown;
  summary?: CardSummary;
  signatures: SignatureReport;
}

/** Where an agent publishes its card. */
export const WELL_KNOWN_CARD = '/.well-known/agent-card.json';

/** The card URL for what a person typed: an agent's base URL gets the well-known path, a `.json` URL is kept. */
export function cardUrlFor(input: string): string {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return trimmed;
  }
  if (url.pathname.endsWith('.json')) return url.href;
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${WELL_KNOWN_CARD}`;
  return url.href;
}

/**
 * Fetches the card at `input` through the guard and checks it: A2A v1.0 validity, what the mesh needs, and its
 * signatures. A refused URL throws {@link InspectorError}; a card that cannot be fetched is reported as invalid.
 */
export async function inspectCard(options: {
  input: string;
  fetch: typeof fetch;
  guard: UrlGuard;
  /** This deployment's card-signing keys: a signature by one of them is checked without fetching its `jku`. */
  trustedKeys?: JWK[];
}): Promise<InspectionReport> {
  const started = performance.now();
  const url = cardUrlFor(options.input);
  await options.guard.check(url);
  const elapsed = () => Math.round(performance.now() - started);
  let text: string;
  let finalUrl = url;
  try {
    const fetched = await fetchText({ fetch: options.fetch, guard: options.guard, url });
    text = fetched.text;
    finalUrl = fetched.url;
  } catch (error) {
    if (!(error instanceof InspectorError)) throw error;
    if (['host_not_allowed', 'private_address', 'url_not_https', 'url_invalid'].includes(error.code))
      throw error;
    return failed(url, elapsed(), error.code, error.message);
  }
  let card: unknown;
  try {
    card = JSON.parse(text);
  } catch (error) {
    return failed(finalUrl, elapsed(), 'not_json', `the answer is not JSON: ${(error as Error).message}`);
  }
  const findings = checkCard(card, { cardUrl: finalUrl });
  const signatures = await checkSignatures({
    card,
    fetch: options.fetch,
    guard: options.guard,
    trustedKeys: options.trustedKeys,
  });
  if (signatures.status === 'invalid') {
    findings.push({
      severity: 'error',
      path: 'signatures',
      message: 'no signature verifies: the card may have been altered',
    });
  }
  return {
    url: finalUrl,
    ms: elapsed(),
    valid: !findings.some((f) => f.severity === 'error'),
    findings,
    card,
    summary: summarizeCard(card),
    signatures,
  };
}

function failed(url: string, ms: number, code: string, message: string): InspectionReport {
  return {
    url,
    ms,
    error: { code, message },
    valid: false,
    findings: [{ severity: 'error', path: '(card)', message }],
    signatures: { status: 'absent', results: [] },
  };
}
