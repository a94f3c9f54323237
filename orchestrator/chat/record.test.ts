import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import type { CloseExchangeInput } from '../store/index.js';
import type { NewConversationEvent } from './contract.js';
import { createReplyRecorder } from './record.js';

const logger = createLogger({ name: 'test', level: 'silent' });

/** A chat log that keeps the batches it was asked to write; `failNext` makes the next append fail. */
function fakeChatLog() {
  const batches: NewConversationEvent[][] = [];
  const closed: CloseExchangeInput[] = [];
  let failNext = false;
  return {
    batches,
    closed,
    failNext: () => {
      failNext = true;
    },
    chatLog: {
      async appendEvents(_conversationId: string, events: NewConversationEvent[]) {
        if (failNext) {
          failNext = false;
          throw new Error('database unavailable');
        }
        batches.push(structuredClone(events));
        return [];
      },
      async closeExchange(input: CloseExchangeInput) {
        closed.push(structuredClone(input));
        return {} as never;
      },
    },
  };
}

function recorder(log: ReturnType<typeof fakeChatLog>, coalesceMs = 20) {
  const firstDeltas: number[] = [];
  const previews: string[] = [];
  let clock = 1_000;
  const rec = createReplyRecorder({
    chatLog: log.chatLog,
    conversationId: 'c1',
    replyId: 'r1',
    replyTo: 'q1',
    startedAt: 1_000,
    coalesceMs,
    logger,
    correlationId: 'x',
    metrics: { observeFirstDelta: (ms) => firstDeltas.push(ms) },
    preview: ({ text }) => previews.push(text),
    now: () => (clock += 5),
  });
  return { rec, firstDeltas, previews };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const texts = (events: NewConversationEvent[]) =>
  events.map((e) =>
    e.kind === 'delta' ? `delta:${e.data.text}` : e.kind === 'status' ? `status:${e.data.state}` : e.kind,
  );

describe('reply recorder', () => {
  it('shows the first text at once without a write, and coalesces every piece into one event per write', async () => {
    const log = fakeChatLog();
    const { rec, firstDeltas, previews } = recorder(log);
    rec.push({ type: 'delta', agent: 'assistant', text: 'Hel' });
    expect(previews).toEqual(['Hel']);
    expect(firstDeltas).toEqual([5]);
    rec.push({ type: 'delta', agent: 'assistant', text: 'lo, ' });
    rec.push({ type: 'delta', agent: 'assistant', text: 'world' });
    rec.push({
      type: 'annotation',
      annotation: { agent: 'assistant', kind: 'handoff', data: { reason: 'low_confidence' } },
    });
    await wait(0);
    expect(log.batches).toEqual([]);
    await wait(40);
    expect(log.batches.map(texts)).toEqual([['delta:Hello, world', 'annotation']]);
    rec.push({ type: 'delta', agent: 'assistant', text: '!' });
    await wait(40);
    expect(log.batches.map(texts)).toEqual([['delta:Hello, world', 'annotation'], ['delta:!']]);
    expect(previews).toEqual(['Hel']);
  });

  it('ends with the buffered events, the complete message and the status in the closing write', async () => {
    const log = fakeChatLog();
    const { rec } = recorder(log, 10_000);
    rec.push({
      type: 'annotation',
      annotation: { agent: 'sentiment', kind: 'sentiment', data: { label: 'neutral', confidence: 0.5 } },
    });
    rec.push({ type: 'delta', agent: 'assistant', text: 'A' });
    rec.push({ type: 'delta', agent: 'assistant', text: 'B' });
    rec.push({
      type: 'annotation',
      annotation: { agent: 'assistant', kind: 'citations', data: [{ id: 'x', title: 'X' }] },
    });
    await rec.finish({ agents: ['assistant'], tasks: [] });
    // A reply that ends within the coalescing time costs no write of its own: all of it goes with the close.
    expect(log.batches).toEqual([]);
    const [close] = log.closed;
    expect(close).toMatchObject({
      replyId: 'r1',
      text: 'AB',
      agents: ['assistant'],
      citations: [{ id: 'x', title: 'X' }],
      annotations: [{ kind: 'sentiment' }],
    });
    expect(texts(close?.events ?? [])).toEqual([
      'annotation',
      'delta:AB',
      'annotation',
      'message',
      'status:answered',
    ]);
    expect(close?.events?.at(-1)).toMatchObject({
      data: { state: 'answered', messageId: 'r1', firstTokenMs: 5 },
    });
    expect(close?.events?.at(-2)).toMatchObject({
      kind: 'message',
      author: 'assistant',
      data: { messageId: 'r1', replyTo: 'q1', text: 'AB', status: 'answered', errorCode: null },
    });
  });

  it('keeps a failed write and retries it, in order, with the next one', async () => {
    const log = fakeChatLog();
    const { rec } = recorder(log, 10);
    log.failNext();
    rec.push({ type: 'delta', agent: 'assistant', text: 'one ' });
    await wait(30);
    rec.push({ type: 'delta', agent: 'assistant', text: 'two' });
    await rec.finish({ agents: ['assistant'], tasks: [] });
    expect(log.batches).toEqual([]);
    // The failed piece stays first in line; what came next joins it.
    expect(texts(log.closed[0]?.events ?? [])).toEqual(['delta:one two', 'message', 'status:answered']);
  });

  it('ends a failed reply failed, a canceled one canceled, with the code and the polite text', async () => {
    const log = fakeChatLog();
    const { rec } = recorder(log);
    rec.push({ type: 'delta', agent: 'orchestrator', text: 'Sorry.', apology: true });
    await rec.finish({
      failure: { code: 'agent_timeout', message: 'Sorry.' },
      agents: ['assistant'],
      tasks: [],
    });
    // Shown at once, but an apology is no answer: no first-token time.
    expect(log.closed[0]).toMatchObject({
      errorCode: 'agent_timeout',
      text: 'Sorry.',
      firstTokenAt: undefined,
    });
    expect(log.closed[0]?.events?.at(-1)).toMatchObject({
      data: { state: 'failed', code: 'agent_timeout', message: 'Sorry.' },
    });
    const other = fakeChatLog();
    const second = recorder(other).rec;
    await second.finish({ failure: { code: 'agent_canceled', message: 'Stopped.' }, agents: [], tasks: [] });
    expect(other.closed[0]?.events?.at(-1)).toMatchObject({
      data: { state: 'canceled', code: 'agent_canceled' },
    });
    expect(other.closed[0]?.events?.at(-2)).toMatchObject({
      author: 'orchestrator',
      data: { status: 'failed' },
    });
  });
});
