import { InspectorError } from './url-guard.js';

/** Limits of the extra headers an operator may add to a test call. */
export const EXTRA_HEADER_LIMITS = { maxHeaders: 20, maxBytes: 4096 };

// Hop-by-hop headers (RFC 9110 §7.6.1) and those the connection or the fetch itself owns.
const FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);
// What the inspector sets itself: the minted service token, and the request's shape.
const OWNED = new Set(['authorization', 'content-type', 'accept', 'cookie']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks the extra request headers an operator gives a test call and returns them with lower-case names. Refuses
 * (`headers_invalid`) any name that is not an HTTP token, `Authorization` (the minted service token is never
 * overridden), `Cookie`, `Content-Type`, `Accept`, hop-by-hop and connection headers, values with control
 * characters, more than {@link EXTRA_HEADER_LIMITS}.maxHeaders headers or more than its maxBytes in all.
 */
export function checkExtraHeaders(
  input: Record<string, string> | undefined,
  limits = EXTRA_HEADER_LIMITS,
): Record<string, string> {
  const entries = Object.entries(input ?? {});
  if (entries.length > limits.maxHeaders) {
    throw new InspectorError('headers_invalid', `at most ${limits.maxHeaders} extra headers`);
  }
  let bytes = 0;
  const out: Record<string, string> = {};
  for (const [rawName, value] of entries) {
    const name = rawName.trim().toLowerCase();
    if (!TOKEN.test(name)) throw new InspectorError('headers_invalid', `"${rawName}" is not a header name`);
    if (OWNED.has(name)) {
      throw new InspectorError(
        'headers_invalid',
        `"${name}" is set by the inspector and cannot be overridden`,
      );
    }
    if (FORBIDDEN.has(name) || name.startsWith('proxy-') || name.startsWith('sec-')) {
      throw new InspectorError('headers_invalid', `"${name}" is a hop-by-hop or connection header`);
    }
    if (name in out) throw new InspectorError('headers_invalid', `"${name}" is given twice`);
    // Visible ASCII, space and tab only (no CR, LF, NUL nor other control characters).
    if (typeof value !== 'string' || !/^[\t\x20-\x7e]*$/.test(value)) {
      throw new InspectorError(
        'headers_invalid',
        `the value of "${name}" has characters a header cannot carry`,
      );
    }
    bytes += name.length + value.length + 4;
    if (bytes > limits.maxBytes) {
      throw new InspectorError('headers_invalid', `extra headers are limited to ${limits.maxBytes} bytes`);
    }
    out[name] = value.trim();
  }
  return out;
}
