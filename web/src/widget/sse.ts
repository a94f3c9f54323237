import { createParser } from 'eventsource-parser';

/** One server-sent event: its name (`message` when none is given), its JSON data, and its `id:` if any. */
export interface ServerEvent {
  event: string;
  data: unknown;
  id?: string;
}

/**
 * Reads a `text/event-stream` body into events as they arrive. An event whose data is not JSON is skipped, and so
 * is an unfinished event at the end of the stream; comments (heartbeats) reach `onComment`. Stopping early
 * cancels the body.
 */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  options: { onComment?: (comment: string) => void } = {},
): AsyncGenerator<ServerEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let ready: ServerEvent[] = [];
  const parser = createParser({
    onEvent({ event, data, id }) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        return;
      }
      ready.push(
        id === undefined
          ? { event: event ?? 'message', data: parsed }
          : { event: event ?? 'message', data: parsed, id },
      );
    },
    onComment: options.onComment,
  });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      const events = ready;
      ready = [];
      yield* events;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
