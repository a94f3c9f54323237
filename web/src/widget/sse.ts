import { readEventStream } from '../../../agents/runtime/sse.js';

/** One server-sent event: its name (`message` when none is given), its JSON data, and its `id:` if any. */
export interface ServerEvent {
  event: string;
  data: unknown;
  id?: string;
}

/**
 * Reads a `text/event-stream` body into events as they arrive, with their data parsed as JSON (the runtime's
 * reader, `eventsource-parser` underneath). An event whose data is not JSON is skipped, and so is an unfinished
 * event at the end of the stream; comments (heartbeats) reach `onComment`. Stopping early cancels the body.
 */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  options: { onComment?: (comment: string) => void } = {},
): AsyncGenerator<ServerEvent> {
  for await (const { event, data, id } of readEventStream(body, options)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      continue;
    }
    yield id === undefined ? { event, data: parsed } : { event, data: parsed, id };
  }
}
