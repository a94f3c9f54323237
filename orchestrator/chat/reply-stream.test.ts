import { describe, expect, it } from 'vitest';
import type { ReplyPreview } from '../store/event-hub.js';
import type { ChatEvent, ConversationEvent, NewConversationEvent } from './contract.js';
import { replyStream } from './reply-stream.js';

let id = 2;
const event = (e: NewConversationEvent): ConversationEvent =>
  ({ ...e, id: ++id, conversationId: 'c1', at: '2026-11-30T00:00:00.000Z' }) as ConversationEvent;
const delta = (messageId: string, text: string) =>
  event({ kind: 'delta', author: 'assistant', data: { messageId, agent: 'assistant', text } });
const preview = (text: string): ReplyPreview => ({
  kind: 'preview',
  conversationId: 'c1',
  messageId: 'r1',
  agent: 'assistant',
  text,
});

async function stream(items: Array<ConversationEvent | ReplyPreview>, failed = false): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of replyStream({
    conversationId: 'c1',
    shopperMessageId: 'q1',
    replyId: 'r1',
    reading: (async function* () {
      yield* items;
    })(),
    failed: Promise.resolve(failed),
    locale: 'en',
  })) {
    out.push(e);
  }
  return out;
}

describe('the reply stream of POST /api/chat/messages', () => {
  it('sends the previewed first text at once and only what the logged deltas add to it', async () => {
    const events = await stream([
      preview('Hel'),
      delta('other-reply', 'not mine'),
      delta('r1', 'Hello'),
      delta('r1', ', world'),
      event({
        kind: 'annotation',
        author: 'assistant',
        data: { messageId: 'r1', annotation: { agent: 'assistant', kind: 'handoff', data: { reason: 'x' } } },
      }),
      event({
        kind: 'status',
        author: 'system',
        data: { state: 'answered', messageId: 'r1', firstTokenMs: 7 },
      }),
      delta('r1', 'after the end'),
    ]);
    expect(events).toEqual([
      { event: 'conversation', data: { conversationId: 'c1', messageId: 'q1' } },
      { event: 'delta', data: { agent: 'assistant', text: 'Hel' } },
      { event: 'delta', data: { agent: 'assistant', text: 'lo' } },
      { event: 'delta', data: { agent: 'assistant', text: ', world' } },
      { event: 'annotation', data: { agent: 'assistant', kind: 'handoff', data: { reason: 'x' } } },
      { event: 'done', data: { messageId: 'r1', firstTokenMs: 7 } },
    ]);
  });

  it('ends with the status code of a failed reply, and says so when the reply could not be recorded', async () => {
    const failed = await stream([
      event({
        kind: 'status',
        author: 'system',
        data: { state: 'failed', messageId: 'r1', code: 'agent_timeout', message: 'Too slow.' },
      }),
    ]);
    expect(failed.at(-1)).toEqual({ event: 'error', data: { code: 'agent_timeout', message: 'Too slow.' } });
    const unrecorded = await stream([preview('Hi')], true);
    expect(unrecorded.at(-1)).toMatchObject({ event: 'error', data: { code: 'agent_failed' } });
  });
});
