import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatLog, ChatLogError, createChatLog } from './chat-log.js';
import { manualClock, pgliteTestDatabase, postgresTestDatabase, type TestDatabase } from './test-support.js';

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

  async function conversation() {
    return log.startConversation({ subject: 'guest:abc', role: 'guest', locale: 'pt-BR' });
  }

  it('starts and reads back a conversation', async () => {
    const started = await conversation();
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

  it('stores the shopper message durably before any reply exists', async () => {
    const conv = await conversation();
    clock.advance(1_000);
    const message = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'Olá',
      correlationId: 'c-1',
    });
    expect(message).toMatchObject({
      conversationId: conv.id,
      author: 'shopper',
      text: 'Olá',
      status: 'received',
      correlationId: 'c-1',
      replyTo: null,
      createdAt: clock.now(),
      agents: [],
      citations: [],
    });

    // Another connection sees it at once: it was committed, and nothing else was written.
    const other = createChatLog({ sql: await db.connect(), now: clock.now });
    expect(await other.listMessages(conv.id)).toEqual([message]);
    expect((await other.getConversation(conv.id))?.lastActivityAt).toEqual(clock.now());
  });

  it('refuses a shopper message for an unknown conversation', async () => {
    const attempt = log.recordShopperMessage({ conversationId: randomUUID(), text: 'x', correlationId: 'c' });
    await expect(attempt).rejects.toBeInstanceOf(ChatLogError);
    await expect(attempt).rejects.toMatchObject({ code: 'conversation_not_found' });
    await expect(
      log.recordShopperMessage({ conversationId: 'nope', text: 'x', correlationId: 'c' }),
    ).rejects.toMatchObject({ code: 'conversation_not_found' });
  });

  it('completes a reply and marks the shopper message answered', async () => {
    const conv = await conversation();
    const question = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'Frete?',
      correlationId: 'c-1',
    });
    clock.advance(100);
    const reply = await log.startReply({
      conversationId: conv.id,
      replyTo: question.id,
      correlationId: 'c-1',
    });
    expect(reply).toMatchObject({ author: 'agent', status: 'streaming', text: '', replyTo: question.id });

    clock.advance(200);
    await log.markFirstToken(reply.id);
    clock.advance(700);
    const citations = [{ source: 'faq', title: 'Frete grátis', url: 'https://shop.test/faq#frete' }];
    const done = await log.completeReply({
      replyId: reply.id,
      text: 'Frete grátis acima de R$ 200.',
      agents: ['assistant', 'promotions'],
      citations,
    });
    expect(done).toMatchObject({
      status: 'answered',
      text: 'Frete grátis acima de R$ 200.',
      agents: ['assistant', 'promotions'],
      citations,
      completedAt: clock.now(),
      firstTokenAt: new Date(clock.now().getTime() - 700),
      errorCode: null,
    });
    const [storedQuestion, storedReply] = await log.listMessages(conv.id);
    expect(storedQuestion?.status).toBe('answered');
    expect(storedReply).toEqual(done);
    expect((await log.getConversation(conv.id))?.lastActivityAt).toEqual(clock.now());

    await expect(
      log.completeReply({ replyId: reply.id, text: 'again', agents: [], citations: [] }),
    ).rejects.toMatchObject({ code: 'reply_not_streaming' });
  });

  it('keeps the shopper message and the partial text when a reply fails', async () => {
    const conv = await conversation();
    const question = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'Meu pedido?',
      correlationId: 'c',
    });
    const reply = await log.startReply({ conversationId: conv.id, replyTo: question.id, correlationId: 'c' });
    await log.markFirstToken(reply.id);
    clock.advance(5_000);
    const failed = await log.failReply({
      replyId: reply.id,
      text: 'Seu pedido 123 está',
      errorCode: 'agent_timeout',
      agents: ['orders'],
    });
    expect(failed).toMatchObject({
      status: 'failed',
      text: 'Seu pedido 123 está',
      errorCode: 'agent_timeout',
      agents: ['orders'],
      completedAt: clock.now(),
    });
    const messages = await log.listMessages(conv.id);
    expect(messages.map((m) => [m.author, m.status, m.text])).toEqual([
      ['shopper', 'received', 'Meu pedido?'],
      ['agent', 'failed', 'Seu pedido 123 está'],
    ]);
  });

  it('never overwrites the first token time', async () => {
    const conv = await conversation();
    const question = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'oi',
      correlationId: 'c',
    });
    const reply = await log.startReply({ conversationId: conv.id, replyTo: question.id, correlationId: 'c' });
    const first = new Date('2025-03-01T09:00:00.250Z');
    await log.markFirstToken(reply.id, first);
    await log.markFirstToken(reply.id, new Date('2025-03-01T09:00:09.000Z'));
    clock.advance(10_000);
    await log.markFirstToken(reply.id);
    const done = await log.completeReply({
      replyId: reply.id,
      text: 'olá',
      agents: ['assistant'],
      citations: [],
    });
    expect(done.firstTokenAt).toEqual(first);
    await expect(log.markFirstToken(randomUUID())).rejects.toMatchObject({ code: 'message_not_found' });
  });

  it('refuses a reply to a message of another conversation', async () => {
    const a = await conversation();
    const b = await conversation();
    const question = await log.recordShopperMessage({ conversationId: a.id, text: 'oi', correlationId: 'c' });
    await expect(
      log.startReply({ conversationId: b.id, replyTo: question.id, correlationId: 'c' }),
    ).rejects.toMatchObject({ code: 'message_not_found' });
  });

  it('lists messages chronologically and pages backwards', async () => {
    const conv = await conversation();
    const texts: string[] = [];
    for (let i = 0; i < 7; i++) {
      // Pairs share a timestamp: order must still follow insertion.
      if (i % 2 === 0) clock.advance(1_000);
      texts.push(`m${i}`);
      await log.recordShopperMessage({ conversationId: conv.id, text: `m${i}`, correlationId: `c${i}` });
    }
    const other = await conversation();
    await log.recordShopperMessage({ conversationId: other.id, text: 'elsewhere', correlationId: 'x' });

    const all = await log.listMessages(conv.id);
    expect(all.map((m) => m.text)).toEqual(texts);

    const newest = await log.listMessages(conv.id, { limit: 3 });
    expect(newest.map((m) => m.text)).toEqual(['m4', 'm5', 'm6']);
    const older = await log.listMessages(conv.id, { limit: 3, before: newest[0]?.id });
    expect(older.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
    const oldest = await log.listMessages(conv.id, { limit: 3, before: older[0]?.id });
    expect(oldest.map((m) => m.text)).toEqual(['m0']);
    expect(await log.listMessages(conv.id, { limit: 3, before: oldest[0]?.id })).toEqual([]);

    expect(await log.listMessages(randomUUID())).toEqual([]);
    await expect(log.listMessages(other.id, { before: all[0]?.id })).rejects.toMatchObject({
      code: 'message_not_found',
    });
  });

  it('records agent tasks', async () => {
    const conv = await conversation();
    const question = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'oi',
      correlationId: 'c',
    });
    const reply = await log.startReply({ conversationId: conv.id, replyTo: question.id, correlationId: 'c' });
    const startedAt = new Date('2025-03-01T09:00:00.100Z');
    const task = await log.recordAgentTask({
      messageId: reply.id,
      agent: 'orders',
      skill: 'order-status',
      taskId: 'task-1',
      startedAt,
      firstEventAt: new Date('2025-03-01T09:00:00.300Z'),
      endedAt: new Date('2025-03-01T09:00:01.000Z'),
      outcome: 'completed',
    });
    expect(task).toEqual({
      id: expect.any(String),
      messageId: reply.id,
      agent: 'orders',
      skill: 'order-status',
      taskId: 'task-1',
      startedAt,
      firstEventAt: new Date('2025-03-01T09:00:00.300Z'),
      endedAt: new Date('2025-03-01T09:00:01.000Z'),
      outcome: 'completed',
      errorCode: null,
    });
    const refused = await log.recordAgentTask({
      messageId: reply.id,
      agent: 'promotions',
      skill: 'offers',
      startedAt,
      endedAt: startedAt,
      outcome: 'refused',
      errorCode: 'forbidden',
    });
    expect(refused).toMatchObject({
      taskId: null,
      firstEventAt: null,
      outcome: 'refused',
      errorCode: 'forbidden',
    });
    await expect(
      log.recordAgentTask({
        messageId: randomUUID(),
        agent: 'a',
        skill: 's',
        startedAt,
        endedAt: startedAt,
        outcome: 'failed',
      }),
    ).rejects.toMatchObject({ code: 'message_not_found' });
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
      createdAt: clock.now(),
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
    expect((await log.listMessages(opened.conversation.id)).map((m) => m.text)).toEqual([
      'Frete?',
      '',
      'E o prazo?',
      '',
    ]);
  });

  it('refuses an exchange in an unknown conversation or one of another subject, writing nothing', async () => {
    const conv = await conversation();
    for (const attempt of [
      { conversationId: conv.id, subject: 'guest:other' },
      { conversationId: randomUUID(), subject: 'guest:abc' },
      { conversationId: 'nope', subject: 'guest:abc' },
    ]) {
      await expect(
        log.openExchange({ ...attempt, role: 'guest', locale: 'en', text: 'oi', correlationId: 'c' }),
      ).rejects.toMatchObject({ code: 'conversation_not_found' });
    }
    expect(await log.listMessages(conv.id)).toEqual([]);
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
      citations,
      firstTokenAt,
      completedAt: clock.now(),
      errorCode: null,
    });
    const [question] = await log.listMessages(conv.id);
    expect(question).toMatchObject({ id: shopperMessage.id, status: 'answered' });
    expect((await log.getConversation(conv.id))?.lastActivityAt).toEqual(clock.now());
    expect(await log.firstResponseMs(conv.id)).toBe(120);
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

  it('measures the first response from the first shopper message to the first token', async () => {
    const conv = await conversation();
    expect(await log.firstResponseMs(conv.id)).toBeUndefined();
    clock.advance(5_000);
    const question = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'oi',
      correlationId: 'c',
    });
    const reply = await log.startReply({ conversationId: conv.id, replyTo: question.id, correlationId: 'c' });
    expect(await log.firstResponseMs(conv.id)).toBeUndefined();
    clock.advance(850);
    await log.markFirstToken(reply.id);
    expect(await log.firstResponseMs(conv.id)).toBe(850);
    clock.advance(1_000);
    await log.completeReply({ replyId: reply.id, text: 'olá', agents: ['assistant'], citations: [] });

    // Later exchanges do not change it.
    const next = await log.recordShopperMessage({
      conversationId: conv.id,
      text: 'e aí',
      correlationId: 'd',
    });
    const nextReply = await log.startReply({ conversationId: conv.id, replyTo: next.id, correlationId: 'd' });
    clock.advance(10);
    await log.markFirstToken(nextReply.id);
    expect(await log.firstResponseMs(conv.id)).toBe(850);
  });
}

describe('ChatLog on PGlite (in memory)', () => {
  chatLogContract(() => pgliteTestDatabase());
});

// PostgreSQL runs only when a server is available: set TEST_DATABASE_URL (each test gets its own random schema).
describe.skipIf(!postgresUrl)('ChatLog on PostgreSQL', () => {
  chatLogContract(() => postgresTestDatabase(postgresUrl ?? ''));
});
