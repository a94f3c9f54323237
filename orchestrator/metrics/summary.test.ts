import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChatLog } from '../store/index.js';
import { manualClock, pgliteTestDatabase, type TestDatabase } from '../store/test-support.js';
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
 * A hand-built chat log, every time known:
 * A answered in 200 ms, closed → completed; B answered 400 ms, then a second message that failed, closed →
 * abandoned; C answered 1000 ms, idle → completed; D never answered, idle → abandoned; E answered 3000 ms but
 * only after the shopper closed → abandoned; F unanswered but recent → active; G has no message.
 */
async function buildLog() {
  const clock = manualClock(START);
  const log = createChatLog({ sql: db.sql, now: clock.now });
  const set = (ms: number) => clock.advance(at(ms).getTime() - clock.now().getTime());
  const conversation = async (ms: number) => {
    set(ms);
    return (await log.startConversation({ subject: `guest:${ms}`, role: 'guest', locale: 'pt-BR' })).id;
  };
  const ask = async (conversationId: string, ms: number) => {
    set(ms);
    const message = await log.recordShopperMessage({ conversationId, text: 'oi', correlationId: 'c' });
    const reply = await log.startReply({ conversationId, replyTo: message.id, correlationId: 'c' });
    return reply.id;
  };
  const answer = async (replyId: string, firstMs: number, doneMs = firstMs + 50) => {
    await log.markFirstToken(replyId, at(firstMs));
    set(doneMs);
    await log.completeReply({ replyId, text: 'resposta', agents: ['Assistant'], citations: [] });
  };
  const close = async (id: string, ms: number) => {
    set(ms);
    await log.closeConversation(id, 'closed_by_shopper');
  };

  const a = await conversation(0);
  await answer(await ask(a, 0), 200);
  await close(a, 10_000);

  const b = await conversation(60_000);
  await answer(await ask(b, 60_000), 60_400);
  const b2 = await ask(b, 65_000);
  set(70_000);
  await log.failReply({ replyId: b2, text: 'desculpe', errorCode: 'agent_timeout', agents: ['Assistant'] });
  await close(b, 71_000);

  const c = await conversation(120_000);
  await answer(await ask(c, 120_000), 121_000);

  const d = await conversation(180_000);
  await ask(d, 180_000);

  const e = await conversation(240_000);
  const e1 = await ask(e, 240_000);
  await close(e, 242_000);
  await answer(e1, 243_000);

  set(20 * 60_000);
  const f = await conversation(20 * 60_000);
  await ask(f, 20 * 60_000);
  await conversation(21 * 60_000);

  const task = (messageId: string, agent: string, ms: number, outcome: 'completed' | 'timeout' | 'failed') =>
    log.recordAgentTask({
      messageId,
      agent,
      skill: 'faq-answer',
      startedAt: at(1000),
      firstEventAt: at(1000 + ms / 2),
      endedAt: at(1000 + ms),
      outcome,
    });
  await task(b2, 'Assistant', 100, 'completed');
  await task(b2, 'Assistant', 200, 'completed');
  await task(b2, 'Assistant', 300, 'completed');
  await task(b2, 'Assistant', 5000, 'timeout');
  await task(b2, 'Sentiment', 20, 'failed');
  return { now: at(22 * 60_000), replies: { b2 } };
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
    const { now, replies } = await buildLog();
    await db.sql.query(`UPDATE messages SET handoff_reason = 'low_confidence' WHERE id = $1`, [replies.b2]);
    const summary = await createMetricsQueries({ sql: db.sql, now: () => now }).summary({
      from: START,
      to: now,
    });
    expect(summary.handoffs).toBe(1);
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
