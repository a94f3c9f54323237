import { describe, expect, it } from 'vitest';
import { readEventStream, type SseEvent } from './sse.js';

/** A body that delivers `chunks` one by one, as a network would. */
function body(chunks: (string | Uint8Array)[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    },
    cancel: onCancel,
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readEventStream(stream)) events.push(event);
  return events;
}

describe('readEventStream', () => {
  it('reads events split anywhere across chunks, skipping comments and blocks without data', async () => {
    const events = await collect(
      body([
        'event: delta\ndata: {"text":"a"}\n\nevent: done\r\ndata: {"x"',
        ':1}\r\n\r\n: a comment\n\nevent: x\n\ndata: plain\n\n',
      ]),
    );
    expect(events).toEqual([
      { event: 'delta', data: '{"text":"a"}' },
      { event: 'done', data: '{"x":1}' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('reads a CRLF cut between two chunks as one line end, not as a blank line', async () => {
    const events = await collect(body(['event: delta\r', '\ndata: one\r', '\ndata: two\r\n\r', '\n']));
    expect(events).toEqual([{ event: 'delta', data: 'one\ntwo' }]);
  });

  it('keeps the id: field of each event', async () => {
    const events = await collect(body(['id: 7\nevent: delta\ndata: a\n\n', 'data: b\n\nid: 9\ndata: c\n\n']));
    expect(events).toEqual([
      { event: 'delta', data: 'a', id: '7' },
      { event: 'message', data: 'b' },
      { event: 'message', data: 'c', id: '9' },
    ]);
  });

  it('decodes a character whose UTF-8 bytes are cut between chunks, and drops an unfinished last event', async () => {
    const bytes = new TextEncoder().encode('data: ação\n\n');
    const events = await collect(body([bytes.slice(0, 8), bytes.slice(8), 'data: never finished']));
    expect(events).toEqual([{ event: 'message', data: 'ação' }]);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const stream = body(['data: 1\n\n', 'data: 2\n\n'], () => {
      cancelled = true;
    });
    for await (const event of readEventStream(stream)) {
      expect(event.data).toBe('1');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
