import type { Context, MiddlewareHandler } from 'hono';
import { httpError } from '../errors.js';
import { clientIp } from './client-ip.js';

/** Defaults of {@link streamLimit}: open streams per client address, and in all on this replica. */
export const STREAM_LIMITS = { perAddress: 20, overall: 1000, retryAfterSec: 5 } as const;

/** Options of {@link streamLimit}. */
export interface StreamLimitOptions {
  /** Streams one address may hold open at once on this replica. */
  perAddress?: number;
  /** Streams this replica holds open at once, all addresses together. */
  overall?: number;
  /** What `Retry-After` says to a refused client. */
  retryAfterSec?: number;
  /** Called when a request is refused (e.g. to log it); must not throw. */
  onRefused?: (c: Context, scope: 'address' | 'overall') => void;
}

/** The counts a {@link streamLimit} keeps, for tests and metrics. */
export interface StreamCounts {
  overall: number;
  of(address: string): number;
}

/**
 * Bounds the long-lived responses (event streams, A2A calls that answer as a task runs) a replica holds open: a
 * request that would be the `perAddress + 1`-th open one from its address, or the `overall + 1`-th in all, is
 * answered 503 `too_many_streams` with `Retry-After` before any work is done. A place is taken when the request
 * arrives and given back when its response has been sent or its connection closed, whichever comes first. Mount it
 * only on the routes that stream: every request through it holds a place while it is answered.
 */
export function streamLimit(options: StreamLimitOptions = {}): MiddlewareHandler & { counts: StreamCounts } {
  const perAddress = options.perAddress ?? STREAM_LIMITS.perAddress;
  const overall = options.overall ?? STREAM_LIMITS.overall;
  const retryAfterSec = options.retryAfterSec ?? STREAM_LIMITS.retryAfterSec;
  const byAddress = new Map<string, number>();
  let open = 0;

  const handler: MiddlewareHandler = async function streamLimit(c, next) {
    const address = clientIp(c);
    const held = byAddress.get(address) ?? 0;
    const scope = held >= perAddress ? 'address' : open >= overall ? 'overall' : undefined;
    if (scope) {
      options.onRefused?.(c, scope);
      throw httpError(
        503,
        'too_many_streams',
        scope === 'address'
          ? `at most ${perAddress} open streams per address; try again in ${retryAfterSec} s`
          : `too many open streams on this server; try again in ${retryAfterSec} s`,
        retryAfterSec,
      );
    }
    byAddress.set(address, held + 1);
    open++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left > 0) byAddress.set(address, left);
      else byAddress.delete(address);
    };
    // On a real socket the response's 'close' comes when it was sent or the client went away.
    const outgoing = (c.env as { outgoing?: { once?: (event: 'close', fn: () => void) => void } } | undefined)
      ?.outgoing;
    outgoing?.once?.('close', release);
    try {
      await next();
    } catch (error) {
      release();
      throw error;
    }
    const body = c.res.body;
    // An answer that is not an event stream was produced whole (an error, a JSON-RPC result): its place is free.
    if (!body || !c.res.headers.get('content-type')?.startsWith('text/event-stream')) {
      release();
      return;
    }
    // In process (no socket), and as a second guard: the place is given back when the stream ends or is canceled.
    const reader = body.getReader();
    const watched = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    });
    c.res = new Response(watched, {
      status: c.res.status,
      statusText: c.res.statusText,
      headers: c.res.headers,
    });
  };
  return Object.assign(handler, {
    counts: {
      get overall() {
        return open;
      },
      of: (address: string) => byAddress.get(address) ?? 0,
    },
  });
}
