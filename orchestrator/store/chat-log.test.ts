import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatLog, ChatLogError, createChatLog } from './chat-log.js';
import {
  manualClock,
  pgliteTestDatabase,
  postgresTestDatabase,
  seedExchange,
  type TestDatabase,
} from './test-support.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The ChatLog contract, run against every back-end. */
function chatLogContract(open: () => Promise<TestDatabase>) {
  let db: TestDatabase;
  let clock: ReturnType<typeof manualClock>;
  let log: ChatLog;

  // One database per suite (starting PGlite takes a second or more); each test works in its own conversations.
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.dispose();
  });
  beforeEach(() => {
    clock = manualClock();
    log = createChatLog({ sql: db.sql, now: clock.now });
  });

  /** A new conversation of `guest:abc` with one answered exchange, written through the real API. */
  async function conversation() {
    const { conversation } = await seedExchange(log, { subject: 'guest:abc', close: {} });
    return conversation;
  }

  it('starts a conversation with its first exchange and reads it back', async () => {
    const { conversation: started } = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'Olá',
      correlationId: 'c-1',
    });
    expect(started).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      createdAt: clock.now(),
      lastActivityAt: clock.now(),
      closedAt: null,
      closeReason: null,
    });
    expect(await log.getConversation(started.id)).toEqual(started);
    expect(await log.getConversation(randomUUID())).toBeUndefined();
    expect(await log.getConversation('not-a-uuid')).toBeUndefined();
  });

  it('opens an exchange in one transaction: conversation, shopper message and empty reply', async () => {
    const opened = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'en',
      text: 'Frete?',
      correlationId: 'c-1',
    });
    expect(opened.conversation).toMatchObject({ subject: 'guest:abc', role: 'guest', locale: 'en' });
    expect(opened.shopperMessage).toMatchObject({
      conversationId: opened.conversation.id,
      author: 'shopper',
      text: 'Frete?',
      status: 'received',
      correlationId: 'c-1',
      replyTo: null,
      createdAt: clock.now(),
      agents: [],
      citations: [],
    });
    expect(opened.reply).toMatchObject({
      author: 'agent',
      status: 'streaming',
      text: '',
      replyTo: opened.shopperMessage.id,
      correlationId: 'c-1',
    });

    // Committed: another connection sees both messages, the question first.
    const other = createChatLog({ sql: await db.connect(), now: clock.now });
    expect(await other.listMessages(opened.conversation.id)).toEqual([opened.shopperMessage, opened.reply]);
    expect(await other.getConversation(opened.conversation.id)).toEqual(opened.conversation);

    clock.advance(1_000);
    const next = await log.openExchange({
      conversationId: opened.conversation.id,
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'E o prazo?',
      correlationId: 'c-2',
    });
    expect(next.conversation).toEqual({ ...opened.conversation, lastActivityAt: clock.now() });
    expect((await other.getConversation(opened.conversation.id))?.lastActivityAt).toEqual(clock.now());
    expect((await log.listMessages(opened.conversation.id)).map((m) => m.text)).toEqual([
      'Frete?',
      '',
      'E o prazo?',
      '',
    ]);
  });

  it('refuses an exchange in an unknown conversation or one of another subject, writing nothing', async () => {
    const conv = await conversation();
    const before = await log.listMessages(conv.id);
    for (const attempt of [
      { conversationId: conv.id, subject: 'guest:other' },
      { conversationId: randomUUID(), subject: 'guest:abc' },
      { conversationId: 'nope', subject: 'guest:abc' },
    ]) {
      const refused = log.openExchange({
        ...attempt,
        role: 'guest',
        locale: 'en',
        text: 'oi',
        correlationId: 'c',
      });
      await expect(refused).rejects.toBeInstanceOf(ChatLogError);
      await expect(refused).rejects.toMatchObject({ code: 'conversation_not_found' });
    }
    expect(await log.listMessages(conv.id)).toEqual(before);
  });

  it('closes an answered exchange with its first token and agent tasks in one transaction', async () => {
    const {
      conversation: conv,
      shopperMessage,
      reply,
    } = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'Frete?',
      correlationId: 'c',
    });
    const firstTokenAt = new Date(clock.now().getTime() + 120);
    clock.advance(900);
    const startedAt = new Date(clock.now().getTime() - 800);
    const citations = [{ source: 'faq', title: 'Frete grátis' }];
    const done = await log.closeExchange({
      replyId: reply.id,
      text: 'Frete grátis acima de R$ 200.',
      agents: ['assistant'],
      citations,
      handoffReason: 'low_confidence',
      firstTokenAt,
      tasks: [
        {
          agent: 'assistant',
          skill: 'faq',
          taskId: 'task-1',
          startedAt,
          firstEventAt: firstTokenAt,
          endedAt: clock.now(),
          outcome: 'completed',
        },
        {
          agent: 'sentiment',
          skill: 'tone',
          startedAt,
          endedAt: startedAt,
          outcome: 'timeout',
          errorCode: 'slow',
        },
      ],
    });
    expect(done).toMatchObject({
      status: 'answered',
      text: 'Frete grátis acima de R$ 200.',
      agents: ['assistant'],
      citations,
      firstTokenAt,
      completedAt: clock.now(),
      errorCode: null,
    });
    const [question] = await log.listMessages(conv.id);
    expect(question).toMatchObject({ id: shopperMessage.id, status: 'answered' });
    expect((await log.getConversation(conv.id))?.lastActivityAt).toEqual(clock.now());
    const tasks = await db.sql.query<{ agent: string; outcome: string; task_id: string | null }>(
      'SELECT agent, outcome, task_id FROM agent_tasks WHERE message_id = $1 ORDER BY agent',
      [reply.id],
    );
    expect(tasks).toEqual([
      { agent: 'assistant', outcome: 'completed', task_id: 'task-1' },
      { agent: 'sentiment', outcome: 'timeout', task_id: null },
    ]);
    await expect(log.closeExchange({ replyId: reply.id, text: 'again', agents: [] })).rejects.toMatchObject({
      code: 'reply_not_streaming',
    });
    await expect(log.closeExchange({ replyId: randomUUID(), text: '', agents: [] })).rejects.toMatchObject({
      code: 'message_not_found',
    });
  });

  it('closes a failed exchange keeping the partial text, the first token, the tasks and the question', async () => {
    const { conversation: conv, reply } = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'Meu pedido?',
      correlationId: 'c',
    });
    const firstTokenAt = new Date(clock.now().getTime() + 300);
    clock.advance(5_000);
    const failed = await log.closeExchange({
      replyId: reply.id,
      text: 'Seu pedido 123 está',
      errorCode: 'agent_canceled',
      agents: ['orders'],
      firstTokenAt,
      tasks: [
        {
          agent: 'orders',
          skill: 'order-status',
          startedAt: firstTokenAt,
          endedAt: clock.now(),
          outcome: 'canceled',
        },
      ],
    });
    expect(failed).toMatchObject({
      status: 'failed',
      text: 'Seu pedido 123 está',
      agents: ['orders'],
      errorCode: 'agent_canceled',
      firstTokenAt,
      completedAt: clock.now(),
    });
    expect((await log.listMessages(conv.id)).map((m) => [m.author, m.status, m.text])).toEqual([
      ['shopper', 'received', 'Meu pedido?'],
      ['agent', 'failed', 'Seu pedido 123 está'],
    ]);
    const tasks = await db.sql.query('SELECT outcome FROM agent_tasks WHERE message_id = $1', [reply.id]);
    expect(tasks).toEqual([{ outcome: 'canceled' }]);

    // A reply that fails before any text has no first token.
    const next = await log.openExchange({
      conversationId: conv.id,
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'oi?',
      correlationId: 'd',
    });
    const silent = await log.closeExchange({
      replyId: next.reply.id,
      text: 'Desculpe',
      errorCode: 'agent_unavailable',
      agents: ['orders'],
    });
    expect(silent.firstTokenAt).toBeNull();
  });

  it('answers a reply that never streamed: its first token is its completion', async () => {
    const { conversation: conv, reply } = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'Frete?',
      correlationId: 'c',
    });
    clock.advance(1_000);
    const done = await log.closeExchange({
      replyId: reply.id,
      text: 'Frete grátis acima de R$ 200.',
      agents: ['assistant', 'promotions'],
    });
    expect(done).toMatchObject({
      status: 'answered',
      agents: ['assistant', 'promotions'],
      citations: [],
      annotations: [],
      firstTokenAt: clock.now(),
      completedAt: clock.now(),
    });
    const [question, stored] = await log.listMessages(conv.id);
    expect(question?.status).toBe('answered');
    expect(stored).toEqual(done);
  });

  it('never overwrites the first token time', async () => {
    const first = new Date('2025-03-01T09:00:00.250Z');
    const { conversation: conv, reply } = await seedExchange(log, {
      subject: 'guest:abc',
      close: { firstTokenAt: first, agents: ['assistant'] },
    });
    expect(reply.firstTokenAt).toEqual(first);
    clock.advance(10_000);
    await expect(
      log.closeExchange({
        replyId: reply.id,
        text: 'de novo',
        agents: [],
        firstTokenAt: new Date('2025-03-01T09:00:09.000Z'),
      }),
    ).rejects.toMatchObject({ code: 'reply_not_streaming' });
    await expect(
      log.closeExchange({ replyId: reply.id, text: '', agents: [], errorCode: 'agent_timeout' }),
    ).rejects.toMatchObject({ code: 'reply_not_streaming' });
    expect((await log.listMessages(conv.id))[1]).toEqual(reply);
  });

  it("stores every field of a reply's agent tasks, and none for an unknown reply", async () => {
    const { reply } = await log.openExchange({
      subject: 'guest:abc',
      role: 'guest',
      locale: 'pt-BR',
      text: 'Meu pedido?',
      correlationId: 'c',
    });
    const startedAt = new Date('2025-03-01T09:00:00.100Z');
    const firstEventAt = new Date('2025-03-01T09:00:00.300Z');
    const endedAt = new Date('2025-03-01T09:00:01.000Z');
    clock.advance(1_000);
    await log.closeExchange({
      replyId: reply.id,
      text: 'Seu pedido 123 saiu para entrega.',
      agents: ['orders'],
      tasks: [
        {
          agent: 'orders',
          skill: 'order-status',
          taskId: 'task-1',
          startedAt,
          firstEventAt,
          endedAt,
          outcome: 'completed',
        },
        {
          agent: 'promotions',
          skill: 'offers',
          startedAt,
          endedAt: startedAt,
          outcome: 'refused',
          errorCode: 'forbidden',
        },
      ],
    });
    const rows = await db.sql.query<Record<string, unknown>>(
      `SELECT id, message_id, agent, skill, task_id, started_at, first_event_at, ended_at, outcome, error_code
       FROM agent_tasks WHERE message_id = $1 ORDER BY agent`,
      [reply.id],
    );
    expect(rows).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        message_id: reply.id,
        agent: 'orders',
        skill: 'order-status',
        task_id: 'task-1',
        started_at: startedAt,
        first_event_at: firstEventAt,
        ended_at: endedAt,
        outcome: 'completed',
        error_code: null,
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        message_id: reply.id,
        agent: 'promotions',
        skill: 'offers',
        task_id: null,
        started_at: startedAt,
        first_event_at: null,
        ended_at: startedAt,
        outcome: 'refused',
        error_code: 'forbidden',
      },
    ]);

    const unknown = randomUUID();
    await expect(
      log.closeExchange({
        replyId: unknown,
        text: '',
        agents: [],
        tasks: [{ agent: 'a', skill: 's', startedAt, endedAt: startedAt, outcome: 'failed' }],
      }),
    ).rejects.toMatchObject({ code: 'message_not_found' });
    expect(await db.sql.query('SELECT 1 FROM agent_tasks WHERE message_id = $1', [unknown])).toEqual([]);
  });

  it('lists messages chronologically and pages backwards', async () => {
    const conv = await conversation();
    const texts = (await log.listMessages(conv.id)).map((m) => m.text);
    for (let i = 0; i < 3; i++) {
      // A question and its reply always share a timestamp, and so do exchanges 1 and 2: order must still follow
      // insertion.
      if (i % 2 === 0) clock.advance(1_000);
      texts.push(`m${i}`, `r${i}`);
      await seedExchange(log, { conversation: conv, text: `m${i}`, close: { text: `r${i}` } });
    }
    await seedExchange(log, { subject: 'guest:abc', text: 'elsewhere' });

    const all = await log.listMessages(conv.id);
    expect(all.map((m) => m.text)).toEqual(texts);
    expect(texts).toEqual(['oi', 'resposta', 'm0', 'r0', 'm1', 'r1', 'm2', 'r2']);

    const newest = await log.listMessages(conv.id, { limit: 3 });
    expect(newest.map((m) => m.text)).toEqual(['r1', 'm2', 'r2']);
    const older = await log.listMessages(conv.id, { limit: 3, before: newest[0]?.id });
    expect(older.map((m) => m.text)).toEqual(['m0', 'r0', 'm1']);
    const oldest = await log.listMessages(conv.id, { limit: 3, before: older[0]?.id });
    expect(oldest.map((m) => m.text)).toEqual(['oi', 'resposta']);
    expect(await log.listMessages(conv.id, { limit: 3, before: oldest[0]?.id })).toEqual([]);

    expect(await log.listMessages(randomUUID())).toEqual([]);
    const other = await conversation();
    await expect(log.listMessages(other.id, { before: all[0]?.id })).rejects.toMatchObject({
      code: 'message_not_found',
    });
  });

  it('closes a conversation once', async () => {
    const conv = await conversation();
    clock.advance(60_000);
    const closed = await log.closeConversation(conv.id, 'shopper');
    expect(closed).toMatchObject({ closedAt: clock.now(), closeReason: 'shopper' });
    clock.advance(60_000);
    const again = await log.closeConversation(conv.id, 'idle');
    expect(again).toEqual(closed);
    await expect(log.closeConversation(randomUUID(), 'x')).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
  });
}

describe('ChatLog on PGlite (in memory)', () => {
  chatLogContract(() => pgliteTestDatabase());
});

describe('ChatLog on PGlite on a worker thread', () => {
  chatLogContract(() => pgliteTestDatabase({ worker: true }));
});

// PostgreSQL runs only when a server is available: set TEST_DATABASE_URL (each test gets its own random schema).
describe.skipIf(!postgresUrl)('ChatLog on PostgreSQL', () => {
  chatLogContract(() => postgresTestDatabase(postgresUrl ?? ''));
});
