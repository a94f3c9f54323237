import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { followEvents } from './follow.js';

const encoder = new TextEncoder();

function sse(id: number): string {
  const event = {
    id,
    conversationId: 'c1',
    at: '2026-12-01T10:00:00.000Z',
    kind: 'delta',
    author: 'echo',
    data: { messageId: 'r1', agent: 'echo', text: `w${id}` },
  };
  return `id: ${id}\nevent: delta\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A body that sends `chunks`, then breaks off (`error`), ends, or stays open until the request is aborted. */
function body(chunks: string[], end: 'error' | 'close' | 'open', signal: AbortSignal) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      // Erroring a stream drops what it still holds: break off once the chunks are read.
      if (end === 'error') setTimeout(() => controller.error(new TypeError('network error')), 5);
      else if (end === 'close') controller.close();
      else signal.addEventListener('abort', () => controller.error(signal.reason));
    },
  });
}

describe('followEvents', () => {
  it('reopens a dropped or ended stream after the last id it yielded, skipping what it already has', async () => {
    const afters: number[] = [];
    const stop = new AbortController();
    const answers = [
      (s: AbortSignal) => body([sse(1), sse(2), 'id: 3\nevent: delta\ndata: {"id":3,'], 'error', s),
      () => {
        throw new ApiError(503, 'http_503', 'unavailable');
      },
      (s: AbortSignal) => body([sse(2), sse(3)], 'close', s),
      (s: AbortSignal) => body([': heartbeat\n\n', sse(4)], 'open', s),
    ];
    const ids: number[] = [];
    for await (const event of followEvents({
      connect: async (after, signal) => {
        afters.push(after);
        const answer = answers.shift();
        if (!answer) throw new Error('no more answers');
        return answer(signal);
      },
      after: 0,
      signal: stop.signal,
      firstRetryMs: 1,
    })) {
      ids.push(event.id);
      if (event.id === 4) stop.abort();
    }
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(afters).toEqual([0, 2, 2, 3]);
  });

  it('stops with the refusal when the conversation is not the reader’s', async () => {
    const calls: number[] = [];
    const follow = followEvents({
      connect: async (after) => {
        calls.push(after);
        throw new ApiError(404, 'conversation_not_found', 'conversation not found');
      },
      after: 7,
      signal: new AbortController().signal,
      firstRetryMs: 1,
    });
    await expect(follow.next()).rejects.toMatchObject({ code: 'conversation_not_found' });
    expect(calls).toEqual([7]);
  });

  it('reopens a stream that stays silent past the idle limit', async () => {
    const stop = new AbortController();
    let opened = 0;
    const ids: number[] = [];
    for await (const event of followEvents({
      connect: async (_after, signal) => {
        opened++;
        return body(opened === 1 ? [sse(1)] : [sse(1), sse(2)], 'open', signal);
      },
      after: 0,
      signal: stop.signal,
      firstRetryMs: 1,
      idleMs: 30,
    })) {
      ids.push(event.id);
      if (event.id === 2) stop.abort();
    }
    expect(ids).toEqual([1, 2]);
    expect(opened).toBe(2);
  });
});
