import { describe, expect, it } from 'vitest';
import { formatSse } from '../orchestrator/chat/sse-writer.js';
import { SseScanner } from './sse-scanner.js';

// A reply as the orchestrator writes it: the events' wire form from its own writer.
const REPLY = [
  { event: 'conversation', data: JSON.stringify({ conversationId: 'c-123', messageId: 'm-1' }) },
  { event: 'delta', data: JSON.stringify({ agent: 'orchestrator', text: 'Um momento…\n\nevent: done' }) },
  { event: 'annotation', data: JSON.stringify({ kind: 'tone', agent: 'sentiment', label: 'calm' }) },
  { event: 'delta', data: JSON.stringify({ agent: 'assistant', text: 'O prazo é de 3 a 5 dias úteis.' }) },
  { event: 'delta', data: JSON.stringify({ agent: 'assistant', text: ' Frete grátis acima de R$ 199.' }) },
  { event: 'done', data: JSON.stringify({ messageId: 'r-1', firstTokenMs: 12 }), id: '42' },
]
  .map(formatSse)
  .join('');

/** Feeds `wire` cut at `cuts`; the chunk indexes at which push reported the first agent text. */
function scan(wire: Buffer, cuts: number[]) {
  const scanner = new SseScanner();
  const firsts: number[] = [];
  let from = 0;
  for (const [i, cut] of [...cuts, wire.length].entries()) {
    if (scanner.push(wire.subarray(from, cut))) firsts.push(i);
    from = cut;
  }
  return { scanner, firsts };
}

describe('SseScanner', () => {
  it("finds the conversation, the first agent text (not the orchestrator's) and done", () => {
    const { scanner, firsts } = scan(Buffer.from(REPLY), []);
    expect(scanner).toMatchObject({
      conversationId: 'c-123',
      agentText: true,
      done: true,
      errorCode: undefined,
    });
    expect(firsts).toEqual([0]);
  });

  it('gives the same answer wherever the stream is cut, and reports the first agent text once', () => {
    const wire = Buffer.from(REPLY);
    const agentDelta = REPLY.indexOf('event: delta\ndata: {"agent":"assistant"');
    for (let a = 1; a < wire.length; a++) {
      const { scanner, firsts } = scan(wire, [a]);
      expect(scanner.conversationId).toBe('c-123');
      expect(scanner.done).toBe(true);
      // Reported in the chunk that completes the agent's first delta event.
      const ends = REPLY.indexOf('\n\n', agentDelta) + 2;
      expect(firsts).toEqual([Buffer.byteLength(REPLY.slice(0, ends)) <= a ? 0 : 1]);
    }
  });

  it('reads a stream fed byte by byte', () => {
    const wire = Buffer.from(REPLY);
    const { scanner, firsts } = scan(
      wire,
      Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
    );
    expect(scanner).toMatchObject({ conversationId: 'c-123', agentText: true, done: true });
    expect(firsts).toHaveLength(1);
  });

  it("an orchestrator's own reply (a refusal) is no agent text; an error event gives its code", () => {
    const wire = [
      { event: 'conversation', data: JSON.stringify({ conversationId: 'c-9', messageId: 'm' }) },
      {
        event: 'delta',
        data: JSON.stringify({ agent: 'orchestrator', text: 'Entre na sua conta primeiro.' }),
      },
      { event: 'error', data: JSON.stringify({ code: 'agent_unavailable', message: 'x' }) },
    ]
      .map(formatSse)
      .join('');
    const { scanner, firsts } = scan(Buffer.from(wire), [30]);
    expect(scanner).toMatchObject({ agentText: false, errorCode: 'agent_unavailable', done: false });
    expect(firsts).toEqual([]);
  });

  it('falls back to parsing a data line whose keys come in another order', () => {
    const wire = [
      { event: 'conversation', data: JSON.stringify({ messageId: 'm', conversationId: 'c-7' }) },
      { event: 'delta', data: JSON.stringify({ text: 'hi', agent: 'orchestrator' }) },
      { event: 'delta', data: JSON.stringify({ text: 'olá', agent: 'assistant' }) },
      { event: 'error', data: JSON.stringify({ message: 'x', code: 'agent_failed' }) },
    ]
      .map(formatSse)
      .join('');
    const { scanner, firsts } = scan(Buffer.from(`: comment\n\n${wire}`), []);
    expect(scanner).toMatchObject({ conversationId: 'c-7', agentText: true, errorCode: 'agent_failed' });
    expect(firsts).toEqual([0]);
  });
});
