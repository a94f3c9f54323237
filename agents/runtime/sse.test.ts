import { describe, expect, it } from 'vitest';
import { takeSseEvents } from './sse.js';

describe('takeSseEvents', () => {
  it('takes whole events and keeps the unfinished one for the next chunk', () => {
    const first = takeSseEvents('event: delta\ndata: {"text":"a"}\n\nevent: done\r\ndata: {"x"');
    expect(first.events).toEqual([{ event: 'delta', data: '{"text":"a"}' }]);
    const second = takeSseEvents(`${first.rest}:1}\r\n\r\n: a comment\n\ndata: plain\n\n`);
    expect(second.events).toEqual([
      { event: 'done', data: '{"x":1}' },
      { event: 'message', data: 'plain' },
    ]);
    expect(second.rest).toBe('');
  });
});
