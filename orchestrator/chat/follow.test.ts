import { describe, expect, it } from 'vitest';
import { createEventHub } from '../store/event-hub.js';
import type { ConversationEvent } from './contract.js';
import { followConversation } from './follow.js';

/** An in-memory log of one conversation's events, with a counter of store reads. */
function memoryLog() {
  const events: ConversationEvent[] = [];
  let reads = 0;
  const add = (text: string): ConversationEvent => {
    const event: ConversationEvent = {
      id: (events.at(-1)?.id ?? 0) + 1,
      conversationId: 'c1',
      at: new Date().toISOString(),
      kind: 'delta',
      author: 'assistant',
      data: { messageId: 'm1', agent: 'assistant', text },
    };
    events.push(event);
    return event;
  };
  const readAfter = async (_id: string, after: number) => {
    reads += 1;
    return events.filter((e) => e.id > after);
  };
  return {
    events,
    add,
    readAfter,
    read: (_id: string, { after, limit }: { after: number; limit: number }) =>
      readAfter(_id, after).then((list) => list.slice(0, limit)),
    reads: () => reads,
  };
}

async function take(reader: AsyncGenerator<ConversationEvent>, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const event of reader) {
    out.push(`${event.id}:${event.kind === 'delta' ? event.data.text : ''}`);
    if (out.length === n) break;
  }
  return out;
}

describe('followConversation', () => {
  it('reads the stored events after the given id, then live ones, in order and once each', async () => {
    const log = memoryLog();
    const hub = createEventHub({ readAfter: log.readAfter });
    log.add('a');
    log.add('b');
    log.add('c');
    const reader = followConversation({ read: log.read, hub, conversationId: 'c1', after: 1, pageSize: 1 });
    setTimeout(() => hub.publish([log.add('d'), log.add('e')]), 10);
    expect(await take(reader, 4)).toEqual(['2:b', '3:c', '4:d', '5:e']);
  });

  it('reads from the store what a jump in live ids says it was not handed', async () => {
    const log = memoryLog();
    const hub = createEventHub({ readAfter: log.readAfter });
    const reader = followConversation({ read: log.read, hub, conversationId: 'c1', caughtUp: true });
    const first = log.add('a');
    const second = log.add('b');
    const third = log.add('c');
    // Two writers' publications overtook each other: 3 arrives before 1 and 2.
    setTimeout(() => hub.publish([third, first, second]), 5);
    expect(await take(reader, 3)).toEqual(['1:a', '2:b', '3:c']);
  });

  it('accepts jumps in stored ids, where finished deltas were compacted away', async () => {
    const log = memoryLog();
    const hub = createEventHub({ readAfter: log.readAfter });
    log.add('a');
    log.add('b');
    log.add('c');
    log.events.splice(1, 1);
    const reader = followConversation({ read: log.read, hub, conversationId: 'c1' });
    expect(await take(reader, 2)).toEqual(['1:a', '3:c']);
  });

  it('turns a hint from another process into one store read for all readers here', async () => {
    const log = memoryLog();
    const hub = createEventHub({ readAfter: log.readAfter });
    const a = followConversation({ read: log.read, hub, conversationId: 'c1', caughtUp: true });
    const b = followConversation({ read: log.read, hub, conversationId: 'c1', caughtUp: true });
    const reads = log.reads();
    log.add('from B');
    hub.notify('c1', 1);
    hub.notify('c1', 1);
    expect(await take(a, 1)).toEqual(['1:from B']);
    expect(await take(b, 1)).toEqual(['1:from B']);
    expect(log.reads() - reads).toBe(1);
  });

  it('ends when its signal aborts, and unsubscribes even if never started', async () => {
    const log = memoryLog();
    let subscribed = 0;
    const inner = createEventHub({ readAfter: log.readAfter });
    const hub = {
      ...inner,
      subscribe: (...args: Parameters<typeof inner.subscribe>) => {
        subscribed += 1;
        const off = inner.subscribe(...args);
        return () => {
          subscribed -= 1;
          off();
        };
      },
    };
    const stop = new AbortController();
    const reader = followConversation({ read: log.read, hub, conversationId: 'c1', signal: stop.signal });
    setTimeout(() => stop.abort(), 10);
    expect(await take(reader, 1)).toEqual([]);
    expect(subscribed).toBe(0);
    const unstarted = followConversation({ read: log.read, hub, conversationId: 'c1' });
    expect(subscribed).toBe(1);
    await unstarted.return(undefined);
    expect(subscribed).toBe(0);
  });
});
