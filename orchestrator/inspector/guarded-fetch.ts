import { InspectorError, type UrlGuard } from './url-guard.js';

/** Limits of one inspector request. */
export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

/** Card and key-set fetches: small documents, quickly. */
export const DOCUMENT_LIMITS: FetchLimits = { maxBytes: 256 * 1024, timeoutMs: 5_000, maxRedirects: 2 };

/**
 * GETs `url` through the guard: every hop (redirects included) must pass it, the body is cut off at `maxBytes`,
 * and the whole exchange at `timeoutMs`. Returns the text of a 2xx answer; throws {@link InspectorError} otherwise.
 */
export async function fetchText(options: {
  fetch: typeof fetch;
  guard: UrlGuard;
  url: string;
  limits?: FetchLimits;
  accept?: string;
}): Promise<{ url: string; status: number; contentType: string; text: string }> {
  const { fetch, guard, limits = DOCUMENT_LIMITS } = options;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = await guard.check(options.url);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: options.accept ?? 'application/json' },
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      if (signal.aborted)
        throw new InspectorError('timeout', `no answer from ${url.host} within ${limits.timeoutMs} ms`);
      throw new InspectorError('unreachable', `cannot reach ${url.host}: ${describe(error)}`);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (!location)
        throw new InspectorError('http_error', `${url.href} answered ${response.status} without a Location`);
      if (hop >= limits.maxRedirects) {
        throw new InspectorError(
          'redirect_refused',
          `more than ${limits.maxRedirects} redirects from ${options.url}`,
        );
      }
      const next = new URL(location, url).href;
      try {
        url = await guard.check(next);
      } catch (error) {
        const why = error instanceof InspectorError ? error.message : String(error);
        throw new InspectorError(
          'redirect_refused',
          `${url.href} redirects to ${next}, which is refused: ${why}`,
        );
      }
      continue;
    }
    const text = await readLimited(response, limits.maxBytes, signal, url);
    if (!response.ok) {
      throw new InspectorError(
        'http_error',
        `${url.href} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
      );
    }
    return {
      url: url.href,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
    };
  }
}

/** Reads a body as text, refusing more than `maxBytes`. */
export async function readLimited(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  url: URL,
): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new InspectorError('too_large', `${url.href} is ${declared} bytes; the limit is ${maxBytes}`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new InspectorError('too_large', `${url.href} is larger than the limit of ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof InspectorError) throw error;
    if (signal.aborted) throw new InspectorError('timeout', `${url.host} was too slow to send its answer`);
    throw new InspectorError('unreachable', `the answer from ${url.host} broke off: ${describe(error)}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A network error in words, with its cause (undici wraps the TLS or socket error). */
export function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'error'} (${cause})` : (e.message ?? String(error));
}
