import { describe, expect, it } from 'vitest';
import { readEvents, type ServerEvent } from './sse.js';

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>, onComment?: (c: string) => void) {
  const events: ServerEvent[] = [];
  for await (const e of readEvents(stream, { onComment })) events.push(e);
  return events;
}

describe('readEvents', () => {
  it('reassembles events split across chunks and skips non-JSON data', async () => {
    expect(
      await all(
        body([
          'event: delta\ndata: {"te',
          'xt":"Olá"}\n\n',
          'event: x\ndata: not json\n\n',
          'event: done\r\ndata: {}\r\n\r\n',
        ]),
      ),
    ).toEqual([
      { event: 'delta', data: { text: 'Olá' } },
      { event: 'done', data: {} },
    ]);
  });

  it('does not end an event at a CRLF cut between two chunks', async () => {
    expect(
      await all(
        body(['id: 7\r', '\nevent: delta\r', '\ndata: {"text":"a"}\r', '\n\r', '\n', 'data: 1\r\n\r\n']),
      ),
    ).toEqual([
      { event: 'delta', data: { text: 'a' }, id: '7' },
      { event: 'message', data: 1 },
    ]);
  });

  it('keeps a multi-byte character cut between chunks, hands comments aside and drops an unfinished event', async () => {
    const bytes = new TextEncoder().encode('data: "ção"\n\n: heartbeat\n\ndata: "cut');
    const comments: string[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 8));
        controller.enqueue(bytes.slice(8));
        controller.close();
      },
    });
    expect(await all(stream, (c) => comments.push(c))).toEqual([{ event: 'message', data: 'ção' }]);
    expect(comments).toEqual(['heartbeat']);
  });
});
