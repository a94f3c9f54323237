import type { ConversationEvent } from '../../../orchestrator/chat/contract.js';
import { ApiError } from './api.js';
import { readEvents } from './sse.js';

/** Options of {@link followEvents}. */
export interface FollowEventsOptions {
  /** Opens the conversation's event stream after event `after`; throws an {@link ApiError} when refused. */
  connect(after: number, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** The last event id the reader already has; 0 reads from the start. */
  after: number;
  /** Ends the iteration when aborted. */
  signal: AbortSignal;
  /** The first wait before reopening a dropped stream; it doubles with each failure in a row, up to `maxRetryMs`. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /**
   * A stream that sends nothing (not even the server's 15 s heartbeat) for this long is taken as dead and reopened:
   * a connection that died without a reset can stay silent forever. 40 s by default.
   */
  idleMs?: number;
  /** Where `online` is announced (the window): a wait for the network ends there at once. */
  network?: EventTarget;
}

/**
 * Follows a conversation's events (`GET /api/conversations/:id/events`) and yields each one once, in id order.
 * A stream that drops or ends is reopened after the last id yielded, with a growing wait between failures, so the
 * reader gets no gap and no duplicate. Ends when `signal` aborts; throws the {@link ApiError} of a refusal that
 * trying again cannot mend (the conversation is gone, the session may not read it).
 */
export async function* followEvents(options: FollowEventsOptions): AsyncGenerator<ConversationEvent> {
  const { connect, signal, firstRetryMs = 500, maxRetryMs = 15_000, idleMs = 40_000 } = options;
  let after = options.after;
  let failures = 0;
  while (!signal.aborted) {
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener('abort', stop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    };
    let retryAfterMs = 0;
    try {
      const body = await connect(after, attempt.signal);
      alive();
      const heard = () => {
        failures = 0;
        alive();
      };
      for await (const { data } of readEvents(body, { onComment: heard })) {
        heard();
        if (!isConversationEvent(data) || data.id <= after) continue;
        after = data.id;
        yield data;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && isFinal(error)) throw error;
      if (error instanceof ApiError && error.retryAfterSec) retryAfterMs = error.retryAfterSec * 1000;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', stop);
      attempt.abort();
    }
    // Dropped, or ended by the server (a restart, a deploy): reopen from the last id after a wait.
    const backoff = Math.min(firstRetryMs * 2 ** failures, maxRetryMs);
    failures += 1;
    await pause(Math.max(retryAfterMs, backoff * (0.5 + Math.random() / 2)), signal, options.network);
  }
}

/** A refusal that the same request will meet again: the widget must stop (401 is retried once by the client). */
function isFinal(error: ApiError): boolean {
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}

// What arrives is another process's data: only events with the shape the widget reads are taken (no zod in the
// bundle; the widget reads each kind's fields defensively too).
function isConversationEvent(value: unknown): value is ConversationEvent {
  const e = value as Partial<ConversationEvent> | null;
  return (
    typeof e?.id === 'number' &&
    Number.isInteger(e.id) &&
    typeof e.kind === 'string' &&
    typeof e.at === 'string' &&
    typeof e.data === 'object' &&
    e.data !== null
  );
}

function pause(ms: number, signal: AbortSignal, network?: EventTarget): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      network?.removeEventListener('online', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    network?.addEventListener('online', done, { once: true });
  });
}
