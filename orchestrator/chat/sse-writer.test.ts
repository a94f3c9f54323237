import { describe, expect, it } from 'vitest';
import { coalescingSse, formatSse } from './sse-writer.js';

function recorder() {
  const writes: string[] = [];
  return { writes, stream: { write: async (chunk: string) => void writes.push(chunk) } };
}

describe('coalescing SSE writer', () => {
  it('writes each event as Hono’s writeSSE does', () => {
    expect(formatSse({ event: 'delta', data: '{"text":"oi"}' })).toBe(
      'event: delta\ndata: {"text":"oi"}\n\n',
    );
    expect(formatSse({ event: 'message', data: 'a\nb', id: '7' })).toBe(
      'event: message\ndata: a\ndata: b\nid: 7\n\n',
    );
    expect(() => formatSse({ event: 'x\ny', data: '' })).toThrow(/line break/);
  });

  it('sends the first delta at once and the events of one turn as one write', async () => {
    const { writes, stream } = recorder();
    const sse = coalescingSse(stream);
    await sse.send({ event: 'conversation', data: '{}' });
    await sse.send({ event: 'delta', data: '"Olá"' });
    // The conversation event and the first words leave together, at once.
    expect(writes).toEqual(['event: conversation\ndata: {}\n\nevent: delta\ndata: "Olá"\n\n']);
    await sse.send({ event: 'delta', data: '" mundo"' });
    await sse.send({ event: 'annotation', data: '{"kind":"citations"}' });
    await sse.send({ event: 'done', data: '{}' });
    expect(writes).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe(
      'event: delta\ndata: " mundo"\n\nevent: annotation\ndata: {"kind":"citations"}\n\nevent: done\ndata: {}\n\n',
    );
  });

  it('flush writes what is pending; events a turn apart are separate writes', async () => {
    const { writes, stream } = recorder();
    const sse = coalescingSse(stream);
    await sse.send({ event: 'delta', data: '1' });
    await sse.send({ event: 'delta', data: '2' });
    await new Promise((r) => setImmediate(r));
    await sse.send({ event: 'delta', data: '3' });
    await sse.flush();
    expect(writes).toEqual([
      'event: delta\ndata: 1\n\n',
      'event: delta\ndata: 2\n\n',
      'event: delta\ndata: 3\n\n',
    ]);
  });

  it('waits for a slow reader (back-pressure) and keeps the order', async () => {
    const writes: string[] = [];
    let release: () => void = () => undefined;
    const stream = {
      write: (chunk: string) =>
        new Promise<void>((resolve) => {
          writes.push(chunk);
          release = resolve;
        }),
    };
    const sse = coalescingSse(stream);
    const first = sse.send({ event: 'delta', data: 'a' });
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    release();
    await first;
    const second = sse.send({ event: 'delta', data: 'b' });
    await new Promise((r) => setImmediate(r));
    release();
    await second;
    await sse.flush();
    expect(writes.join('')).toBe('event: delta\ndata: a\n\nevent: delta\ndata: b\n\n');
  });
});
