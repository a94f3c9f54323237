import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloseExchangeInput, type Conversation, createChatLog, type Exchange } from '../store/index.js';
import { manualClock, pgliteTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import { judgeConversation } from './definitions.js';
import { bucketWidthMs, createMetricsQueries } from './summary.js';

const START = new Date('2025-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);

let db: TestDatabase;
beforeEach(async () => {
  db = await pgliteTestDatabase();
});
afterEach(async () => {
  await db.dispose();
});

/**
 * A hand-built chat log, every time known, written through the chat log's own API:
 * A answered in 200 ms, closed → completed; B answered 400 ms, then a second message that failed, closed →
 * abandoned; C answered 1000 ms offering a human, idle → completed; D never answered, idle → abandoned; E answered
 * 3000 ms but only after the shopper closed → abandoned; F unanswered but recent → active; G has no message.
 */
async function buildLog() {
  const clock = manualClock(START);
  const log = createChatLog({ sql: db.sql, now: clock.now });
  const set = (ms: number) => clock.advance(at(ms).getTime() - clock.now().getTime());
  /** The shopper asks at `ms`, in a new conversation or in `conversation`; the reply is left streaming. */
  const ask = async (ms: number, conversation?: Conversation) => {
    set(ms);
    return seedExchange(log, { conversation, subject: `guest:${ms}`, correlationId: `c${ms}` });
  };
  /** The reply shows its first text at `firstMs` and is complete 50 ms later. */
  const answer = async ({ reply }: Exchange, firstMs: number, more: Partial<CloseExchangeInput> = {}) => {
    set(firstMs + 50);
    await log.closeExchange({
      replyId: reply.id,
      text: 'resposta',
      agents: ['Assistant'],
      firstTokenAt: at(firstMs),
      ...more,
    });
  };
  const close = async ({ conversation }: Exchange, ms: number) => {
    set(ms);
    await log.closeConversation(conversation.id, 'closed_by_shopper');
  };
  const task = (agent: string, ms: number, outcome: 'completed' | 'timeout' | 'failed') => ({
    agent,
    skill: 'faq-answer',
    startedAt: at(1000),
    firstEventAt: at(1000 + ms / 2),
    endedAt: at(1000 + ms),
    outcome,
  });

  const a = await ask(0);
  await answer(a, 200);
  await close(a, 10_000);

  const b = await ask(60_000);
  await answer(b, 60_400);
  const b2 = await ask(65_000, b.conversation);
  set(70_000);
  await log.closeExchange({
    replyId: b2.reply.id,
    text: 'desculpe',
    errorCode: 'agent_timeout',
    agents: ['Assistant'],
    tasks: [
      task('Assistant', 100, 'completed'),
      task('Assistant', 200, 'completed'),
      task('Assistant', 300, 'completed'),
      task('Assistant', 5000, 'timeout'),
      task('Sentiment', 20, 'failed'),
    ],
  });
  await close(b, 71_000);

  const c = await ask(120_000);
  await answer(c, 121_000, {
    handoffReason: 'low_confidence',
    annotations: [{ agent: 'Assistant', kind: 'handoff', data: { reason: 'low_confidence' } }],
  });

  await ask(180_000);

  const e = await ask(240_000);
  await close(e, 242_000);
  await answer(e, 243_000);

  await ask(20 * 60_000);

  // G: the chat log's API always starts a conversation with its first message, so a conversation without one
  // (which the abandonment rule must leave out of the rate) can only be written as a row.
  await db.sql.query(
    `INSERT INTO conversations (id, subject, role, locale, created_at, last_activity_at)
     VALUES ($1, 'guest:g', 'guest', 'pt-BR', $2, $2)`,
    [randomUUID(), at(21 * 60_000)],
  );
  return { now: at(22 * 60_000) };
}

describe('the metrics summary over a hand-built chat log', () => {
  it('computes exact first-response percentiles per message and per conversation', async () => {
    const { now } = await buildLog();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const summary = await queries.summary({ from: START, to: at(30 * 60_000) });
    // Answered messages: 200, 400, 1000, 3000 ms; percentile_cont interpolates linearly.
    expect(summary.messages).toEqual({
      shopper: 7,
      answered: 4,
      notFound: 0,
      unanswered: 3,
      firstResponseMs: { p50: 700, p95: 2700, p99: 2940 },
    });
    expect(summary.conversations.firstResponseMs).toEqual({ p50: 700, p95: 2700, p99: 2940 });
  });

  it('counts abandonment: last message unanswered before the shopper closed or went idle', async () => {
    const { now } = await buildLog();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const summary = await queries.summary({ from: START, to: at(30 * 60_000), idleMs: 5 * 60_000 });
    expect(summary.conversations).toMatchObject({
      total: 7,
      withShopperMessage: 6,
      ended: 5,
      closed: 3,
      idle: 2,
      active: 1,
      abandoned: 3,
      abandonmentRate: 0.6,
    });
    // With a longer idle time, C and D have not left yet: only the closed ones count.
    const patient = await queries.summary({ from: START, to: at(30 * 60_000), idleMs: 60 * 60_000 });
    expect(patient.conversations).toMatchObject({ ended: 3, idle: 0, active: 3, abandoned: 2 });
  });

  it('restricts everything to the half-open range', async () => {
    const { now } = await buildLog();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const summary = await queries.summary({ from: at(60_000), to: at(120_000) });
    expect(summary.conversations.total).toBe(1);
    expect(summary.messages).toMatchObject({ shopper: 2, answered: 1 });
    expect(summary.messages.firstResponseMs.p50).toBe(400);
  });

  it('reports per-agent latency, failures and timeouts', async () => {
    const { now } = await buildLog();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const { agents } = await queries.summary({ from: START, to: at(30 * 60_000) });
    expect(agents).toEqual([
      {
        agent: 'Assistant',
        tasks: 4,
        failures: 1,
        timeouts: 1,
        latencyMs: { p50: 250, p95: 4295 },
        firstEventMs: { p50: 125, p95: 2147.5 },
      },
      {
        agent: 'Sentiment',
        tasks: 1,
        failures: 1,
        timeouts: 0,
        latencyMs: { p50: 20, p95: 20 },
        firstEventMs: { p50: 10, p95: 10 },
      },
    ]);
  });

  it('builds a time series and a histogram for the dashboard', async () => {
    const { now } = await buildLog();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const summary = await queries.summary({ from: START, to: at(30 * 60_000), buckets: 30 });
    expect(summary.range.bucketMs).toBe(60_000);
    expect(summary.series).toHaveLength(30);
    expect(summary.series[0]).toMatchObject({
      messages: 1,
      answered: 1,
      p50: 200,
      conversations: 1,
      ended: 1,
    });
    expect(summary.series[1]).toMatchObject({ messages: 2, answered: 1, p50: 400, abandoned: 1 });
    expect(summary.series[1]?.abandonmentRate).toBe(1);
    expect(summary.series[10]).toMatchObject({ messages: 0, p50: null, abandonmentRate: null });
    const counts = Object.fromEntries(summary.histogram.map((b) => [b.fromMs, b.count]));
    expect(counts).toMatchObject({ 200: 1, 300: 1, 1000: 1, 2000: 1, 0: 0 });
    expect(summary.histogram.at(-1)).toEqual({ fromMs: 30_000, toMs: null, count: 0 });
  });

  it('answers zeros and nulls on an empty log', async () => {
    const queries = createMetricsQueries({ sql: db.sql });
    const summary = await queries.summary({ from: START, to: at(3_600_000) });
    expect(summary.messages.firstResponseMs).toEqual({ p50: null, p95: null, p99: null });
    expect(summary.conversations).toMatchObject({ total: 0, abandonmentRate: null });
    expect(summary.agents).toEqual([]);
  });

  it('counts the replies that offered a human', async () => {
    const { now } = await buildLog();
    const summary = await createMetricsQueries({ sql: db.sql, now: () => now }).summary({
      from: START,
      to: now,
    });
    expect(summary.handoffOffers).toBe(1);
  });

  it('measures a conversation from its first question to the first agent text, whichever question that answers', async () => {
    const clock = manualClock(START);
    const log = createChatLog({ sql: db.sql, now: clock.now });
    const queries = createMetricsQueries({ sql: db.sql, now: clock.now });
    const range = { from: START, to: at(3_600_000) };

    // The first question's reply fails before any text: no first response yet.
    const first = await seedExchange(log, { close: { text: 'Desculpe', errorCode: 'agent_unavailable' } });
    expect((await queries.summary(range)).conversations.firstResponseMs.p50).toBeNull();

    clock.advance(5_000);
    const second = await seedExchange(log, { conversation: first.conversation });
    clock.advance(850);
    await log.closeExchange({
      replyId: second.reply.id,
      text: 'olá',
      agents: ['Assistant'],
      firstTokenAt: clock.now(),
    });

    // Later exchanges do not change it.
    clock.advance(1_000);
    const third = await seedExchange(log, { conversation: first.conversation });
    clock.advance(10);
    await log.closeExchange({
      replyId: third.reply.id,
      text: 'olá',
      agents: ['Assistant'],
      firstTokenAt: clock.now(),
    });

    const summary = await queries.summary(range);
    expect(summary.conversations.firstResponseMs.p50).toBe(5_850);
    expect(summary.messages).toMatchObject({ shopper: 3, answered: 2, firstResponseMs: { p50: 430 } });
  });

  it('refuses a range that ends before it starts', async () => {
    const queries = createMetricsQueries({ sql: db.sql });
    await expect(queries.summary({ from: at(1000), to: at(0) })).rejects.toThrow(RangeError);
  });
});

describe('the abandonment rule in code', () => {
  const now = at(60 * 60_000);
  it('agrees with the SQL on closed, idle and active conversations', () => {
    const base = { hasShopperMessage: true, now, idleMs: 5 * 60_000 };
    expect(
      judgeConversation({
        ...base,
        closedAt: at(10_000),
        lastActivityAt: at(10_000),
        lastAnsweredAt: at(200),
      }),
    ).toMatchObject({ left: 'closed', abandoned: false });
    expect(
      judgeConversation({ ...base, closedAt: at(2000), lastActivityAt: at(2000), lastAnsweredAt: at(3000) }),
    ).toMatchObject({ left: 'closed', abandoned: true });
    expect(
      judgeConversation({ ...base, closedAt: null, lastActivityAt: at(0), lastAnsweredAt: null }),
    ).toMatchObject({ left: 'idle', leftAt: at(5 * 60_000), abandoned: true });
    expect(
      judgeConversation({ ...base, closedAt: null, lastActivityAt: at(59 * 60_000), lastAnsweredAt: null }),
    ).toMatchObject({ left: 'active', abandoned: false });
  });
});

describe('bucket widths', () => {
  it('snaps to round steps', () => {
    expect(bucketWidthMs(24 * 3_600_000, 48)).toBe(30 * 60_000);
    expect(bucketWidthMs(60_000, 48)).toBe(5_000);
    expect(bucketWidthMs(365 * 86_400_000, 48)).toBe(8 * 86_400_000);
  });
});
