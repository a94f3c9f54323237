import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event: its name (`message` when none is given), its data lines joined, and its `id:` if any. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads a `text/event-stream` body into its events as they arrive (events without data are left out, as the spec
 * says; an unfinished event at the end of the stream is dropped); comments (heartbeats) reach `onComment`.
 * Stopping early cancels the body. Browser-safe: the widget reads its streams through it too.
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  options: { onComment?: (comment: string) => void } = {},
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let ready: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => ready.push(toSseEvent(message)),
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

function toSseEvent({ event, data, id }: EventSourceMessage): SseEvent {
  return id === undefined ? { event: event ?? 'message', data } : { event: event ?? 'message', data, id };
}
