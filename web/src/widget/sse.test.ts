import { describe, expect, it } from 'vitest';
import { readEvents } from './sse.js';

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('readEvents', () => {
  it('reassembles events split across chunks and skips non-JSON data', async () => {
    const events = [];
    for await (const e of readEvents(
      body([
        'event: delta\ndata: {"te',
        'xt":"Olá"}\n\n',
        'event: x\ndata: not json\n\n',
        'event: done\r\ndata: {}\r\n\r\n',
      ]),
    )) {
      events.push(e);
    }
    expect(events).toEqual([
      { event: 'delta', data: { text: 'Olá' } },
      { event: 'done', data: {} },
    ]);
  });
});
