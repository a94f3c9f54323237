import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import type { ConversationEvent, NewConversationEvent } from '../chat/contract.js';
import { type ChatLog, ChatLogError, createChatLog } from './chat-log.js';
import { createEventHub } from './event-hub.js';
import { listenForEvents } from './event-listener.js';
import { manualClock, pgliteTestDatabase, postgresTestDatabase, type TestDatabase } from './test-support.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

const delta = (messageId: string, text: string): NewConversationEvent => ({
  kind: 'delta',
  author: 'assistant',
  data: { messageId, agent: 'assistant', text },
});

/** The conversation event log, run against every back-end. */
function eventLogContract(open: () => Promise<TestDatabase>) {
  let db: TestDatabase;
  let log: ChatLog;
  const published: ConversationEvent[] = [];
  const clock = manualClock();

  beforeAll(async () => {
    db = await open();
    log = createChatLog({
      sql: db.sql,
      now: clock.now,
      hub: { publish: (events) => published.push(...events) },
    });
  });
  afterAll(async () => {
    await db.dispose();
  });

  const open1 = (conversationId?: string) =>
    log.openExchange({
      conversationId,
      subject: 'guest:e',
      role: 'guest',
      locale: 'en',
      text: 'hi',
      correlationId: 'c',
    });

  it('opens an exchange with the shopper message and the reply start as events 1 and 2, and publishes them', async () => {
    published.length = 0;
    const { conversation, shopperMessage, reply, events } = await open1();
    expect(events).toEqual([
      {
        id: 1,
        conversationId: conversation.id,
        at: clock.now().toISOString(),
        kind: 'message',
        author: 'shopper',
        data: expect.objectContaining({
          messageId: shopperMessage.id,
          role: 'shopper',
          text: 'hi',
          status: 'received',
        }),
      },
      expect.objectContaining({
        id: 2,
        kind: 'status',
        author: 'system',
        data: { state: 'reply_started', messageId: reply.id, replyTo: shopperMessage.id },
      }),
    ]);
    expect(published).toEqual(events);
    expect(await log.listEvents(conversation.id, { after: 0, limit: 10 })).toEqual(events);
  });

  it('appends, closes and lists events in order, numbered after the last', async () => {
    const { conversation, reply } = await open1();
    const appended = await log.appendEvents(conversation.id, [delta(reply.id, 'He'), delta(reply.id, 'llo')]);
    expect(appended.map((e) => e.id)).toEqual([3, 4]);
    await log.closeExchange({
      replyId: reply.id,
      text: 'Hello',
      agents: ['assistant'],
      events: [
        delta(reply.id, '!'),
        {
          kind: 'status',
          author: 'system',
          data: { state: 'answered', messageId: reply.id, firstTokenMs: 5 },
        },
      ],
    });
    const all = await log.listEvents(conversation.id, { after: 0, limit: 100 });
    expect(all.map((e) => [e.id, e.kind])).toEqual([
      [1, 'message'],
      [2, 'status'],
      [3, 'delta'],
      [4, 'delta'],
      [5, 'delta'],
      [6, 'status'],
    ]);
    expect((await log.listEvents(conversation.id, { after: 4, limit: 1 })).map((e) => e.id)).toEqual([5]);
    // A reply already ended appends nothing.
    await expect(
      log.closeExchange({ replyId: reply.id, text: 'again', agents: [], events: [delta(reply.id, 'x')] }),
    ).rejects.toThrow(ChatLogError);
    expect((await log.listEvents(conversation.id, { after: 6, limit: 10 })).length).toBe(0);
  });

  it('continues the numbering in the next exchange of the same conversation', async () => {
    const { conversation, reply } = await open1();
    await log.closeExchange({ replyId: reply.id, text: 'ok', agents: [] });
    const next = await open1(conversation.id);
    expect(next.events.map((e) => e.id)).toEqual([3, 4]);
  });

  it('appends the closed status once, however often the conversation is closed', async () => {
    const { conversation } = await open1();
    published.length = 0;
    await log.closeConversation(conversation.id, 'closed_by_shopper');
    await log.closeConversation(conversation.id, 'idle');
    const closed = (await log.listEvents(conversation.id, { after: 2, limit: 10 })).map((e) => e.data);
    expect(closed).toEqual([{ state: 'closed', reason: 'closed_by_shopper' }]);
    expect(published.map((e) => e.kind)).toEqual(['status']);
  });

  it('refuses events for an unknown conversation', async () => {
    await expect(log.appendEvents('00000000-0000-4000-8000-000000000000', [delta('x', 'y')])).rejects.toThrow(
      ChatLogError,
    );
    expect(await log.listEvents('not-a-uuid', { after: 0, limit: 5 })).toEqual([]);
  });

  it('compacts the deltas of replies that ended before the cutoff, keeping their message events', async () => {
    const { conversation, reply } = await open1();
    await log.appendEvents(conversation.id, [delta(reply.id, 'a'), delta(reply.id, 'b')]);
    const streaming = await open1(conversation.id);
    await log.appendEvents(conversation.id, [delta(streaming.reply.id, 'still going')]);
    await log.closeExchange({
      replyId: reply.id,
      text: 'ab',
      agents: ['assistant'],
      events: [
        {
          kind: 'message',
          author: 'assistant',
          data: {
            messageId: reply.id,
            role: 'agent',
            text: 'ab',
            replyTo: null,
            status: 'answered',
            agents: ['assistant'],
            citations: [],
            annotations: [],
            errorCode: null,
          },
        },
      ],
    });
    clock.advance(60_000);
    expect(await log.compactDeltas(new Date(clock.now().getTime() - 30_000))).toBeGreaterThanOrEqual(2);
    const kinds = (await log.listEvents(conversation.id, { after: 0, limit: 100 })).map((e) =>
      e.kind === 'delta' ? `delta:${e.data.text}` : e.kind,
    );
    // The streaming reply's delta stays; the finished one's deltas went, its message remains.
    expect(kinds).toEqual(['message', 'status', 'message', 'status', 'delta:still going', 'message']);
  });
}

describe('the conversation event log on PGlite', () => {
  eventLogContract(() => pgliteTestDatabase());
});

describe.skipIf(!postgresUrl)('the conversation event log on PostgreSQL (TEST_DATABASE_URL)', () => {
  eventLogContract(() => postgresTestDatabase(postgresUrl ?? ''));

  it('numbers concurrent writers to one conversation without gaps or duplicates', async () => {
    const db = await postgresTestDatabase(postgresUrl ?? '');
    try {
      const log = createChatLog({ sql: db.sql });
      const { conversation, reply } = await log.openExchange({
        subject: 's',
        role: 'guest',
        locale: 'en',
        text: 'hi',
        correlationId: 'c',
      });
      const others = await Promise.all([db.connect(), db.connect()]);
      const writers = [log, ...others.map((sql) => createChatLog({ sql }))];
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          writers[i % 3]?.appendEvents(conversation.id, [delta(reply.id, `${i}`)]),
        ),
      );
      const ids = (await log.listEvents(conversation.id, { after: 0, limit: 100 })).map((e) => e.id);
      expect(ids).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    } finally {
      await db.dispose();
    }
  });

  it('hints other processes at commit: a LISTEN on the schema reads what another connection wrote', async () => {
    const db = await postgresTestDatabase(postgresUrl ?? '');
    const schema = (await db.sql.query<{ s: string }>('SELECT current_schema() AS s'))[0]?.s;
    const reader = createChatLog({ sql: db.sql });
    const hub = createEventHub({ readAfter: (id, after) => reader.listEvents(id, { after, limit: 100 }) });
    const listening = listenForEvents({
      connectionString: postgresUrl ?? '',
      schema,
      hub,
      logger: createLogger({ name: 'test', level: 'silent' }),
    });
    try {
      await listening.ready;
      const writer = createChatLog({ sql: await db.connect(), notify: true });
      const { conversation, reply } = await writer.openExchange({
        subject: 's',
        role: 'guest',
        locale: 'en',
        text: 'hi',
        correlationId: 'c',
      });
      const seen = new Promise<ConversationEvent>((resolve) =>
        hub.subscribe(conversation.id, (event) => resolve(event), { after: 2 }),
      );
      await writer.appendEvents(conversation.id, [delta(reply.id, 'from another process')]);
      expect(await seen).toMatchObject({ id: 3, kind: 'delta', data: { text: 'from another process' } });
    } finally {
      await listening.close();
      await db.dispose();
    }
  });
});
