/** One server-sent event; `data` is already serialised (JSON has no line breaks, so it is one `data:` line). */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** What the writer needs of Hono's `SSEStreamingApi`. */
interface Writable {
  write(chunk: string): Promise<unknown>;
}

/** The wire form of one event, as Hono's `writeSSE` writes it. */
export function formatSse(e: SseEvent): string {
  if (/[\r\n]/.test(e.event) || (e.id !== undefined && /[\r\n]/.test(e.id))) {
    throw new Error('an SSE event name or id must not contain a line break');
  }
  const data = e.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n');
  return `event: ${e.event}\n${data}\n${e.id !== undefined ? `id: ${e.id}\n` : ''}\n`;
}

/**
 * Writes a reply's events coalesced: events sent within one turn of the event loop leave as one socket write (one
 * TLS record) instead of one each, while the first `delta` — the first words the shopper sees — and anything marked
 * `now` leave at once. `send` resolves once the previous write is done, so a slow reader slows the sender
 * (back-pressure); `flush` writes what is pending and resolves when everything has been written.
 */
export function coalescingSse(stream: Writable, options: { defer?: (fn: () => void) => void } = {}) {
  const defer = options.defer ?? ((fn) => setImmediate(fn));
  let pending = '';
  let scheduled = false;
  let firstDelta = true;
  let writing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    scheduled = false;
    if (pending) {
      const chunk = pending;
      pending = '';
      writing = writing.then(() => stream.write(chunk));
    }
    return writing;
  };
  return {
    async send(e: SseEvent, now = false): Promise<void> {
      const previous = writing;
      pending += formatSse(e);
      if (now || (firstDelta && e.event === 'delta')) {
        if (e.event === 'delta') firstDelta = false;
        await flush();
        return;
      }
      if (!scheduled) {
        scheduled = true;
        defer(() => void flush());
      }
      await previous;
    },
    flush: () => flush().then(() => undefined),
  };
}
