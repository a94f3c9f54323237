import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffEventData } from '../chat/contract.js';
import { createHandoffLog } from '../store/handoff-log.js';
import { createChatLog } from '../store/index.js';
import { manualClock, pgliteTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import { createMetricsQueries, type DeskFigures } from './summary.js';

const START = new Date('2025-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);
const S = 1000;
const OPERATOR = { id: 'op-1', name: 'Ana' };

let db: TestDatabase;
beforeEach(async () => {
  db = await pgliteTestDatabase();
});
afterEach(async () => {
  await db.dispose();
});

/** Writes conversations with the chat log's and the handoff log's own APIs, each at a time given in ms after START. */
function writer() {
  const clock = manualClock(START);
  const log = createChatLog({ sql: db.sql, now: clock.now });
  const desk = createHandoffLog({ sql: db.sql, now: clock.now });
  const set = (ms: number) => clock.advance(at(ms).getTime() - clock.now().getTime());

  /** A conversation whose first question the bot answers 200 ms later. */
  async function start(ms: number) {
    set(ms);
    const subject = `guest:${ms}`;
    const exchange = await seedExchange(log, { subject });
    set(ms + 200);
    await log.closeExchange({ replyId: exchange.reply.id, text: 'resposta', agents: ['Assistant'] });
    return { id: exchange.conversation.id, subject };
  }
  type Conv = Awaited<ReturnType<typeof start>>;

  return {
    start,
    async ask(conv: Conv, ms: number) {
      set(ms);
      const exchange = await seedExchange(log, { conversation: conv });
      set(ms + 300);
      await log.closeExchange({ replyId: exchange.reply.id, text: 'resposta', agents: ['Assistant'] });
    },
    async handoff(conv: Conv, ms: number, reason: string) {
      set(ms);
      expect(
        await desk.request({ conversationId: conv.id, subject: conv.subject, reason, agent: 'desk' }),
      ).toBeDefined();
    },
    async update(conv: Conv, ms: number, data: HandoffEventData) {
      set(ms);
      expect(await desk.update(conv.id, data)).toHaveLength(1);
    },
    /** A shopper message while a person holds the conversation: no bot reply is opened for it. */
    async held(conv: Conv, ms: number) {
      set(ms);
      const held = await desk.heldMessage({
        ...conv,
        conversationId: conv.id,
        text: 'alô?',
        correlationId: 'h',
      });
      expect(held).toBeDefined();
    },
    async operator(conv: Conv, ms: number) {
      set(ms);
      await desk.operatorMessage({
        conversationId: conv.id,
        messageId: randomUUID(),
        text: 'Olá, sou a Ana',
        operator: OPERATOR,
        at: at(ms),
      });
    },
    async close(conv: Conv, ms: number) {
      set(ms);
      await log.closeConversation(conv.id, 'closed_by_shopper');
    },
    async rate(conv: Conv, ms: number, score: number) {
      set(ms);
      expect(await desk.rate({ conversationId: conv.id, subject: conv.subject, score })).toBe('stored');
    },
  };
}

/**
 * A: the bot answers, closed, rated 5 → resolved by the bot.
 * B: asks for a person; queued (2nd, then 1st), assigned 30 s after the first `queued`, writes to the operator while
 *    held, the operator answers 8 s after the assignment; resolved, rated 4, closed.
 * C: low confidence; queued, writes while held, closes the chat while queued; the desk records `abandoned`.
 * D: negative sentiment; queued, never taken, the shopper goes idle → abandoned while queued.
 * E: agent failure; queued a minute before `now` → still waiting.
 * F: the desk fails to take it (`failed`) → outside the desk figures, but not a bot resolution either.
 * G: an unknown reason (→ `other`); assigned 5 s after `requested` without a queue, given back to the bot with no
 *    operator message, then asks the bot again (answered), rated 2 (by the bot), goes idle.
 */
async function buildDesk() {
  const w = writer();
  const a = await w.start(0);
  await w.close(a, 10 * S);
  await w.rate(a, 11 * S, 5);

  const b = await w.start(60 * S);
  await w.handoff(b, 61 * S, 'asked_for_human');
  await w.update(b, 62 * S, { state: 'queued', position: 2 });
  await w.update(b, 70 * S, { state: 'queued', position: 1 });
  await w.update(b, 92 * S, { state: 'assigned', operator: OPERATOR });
  await w.held(b, 95 * S);
  await w.operator(b, 100 * S);
  await w.update(b, 200 * S, { state: 'resolved' });
  await w.rate(b, 205 * S, 4);
  await w.close(b, 210 * S);

  const c = await w.start(300 * S);
  await w.handoff(c, 301 * S, 'low_confidence');
  await w.update(c, 302 * S, { state: 'queued', position: 1 });
  await w.held(c, 303 * S);
  await w.close(c, 400 * S);
  await w.update(c, 401 * S, { state: 'abandoned' });

  const d = await w.start(500 * S);
  await w.handoff(d, 501 * S, 'negative_sentiment');
  await w.update(d, 502 * S, { state: 'queued', position: 1 });

  const g = await w.start(600 * S);
  await w.handoff(g, 601 * S, 'whatever');
  await w.update(g, 606 * S, { state: 'assigned', operator: OPERATOR });
  await w.update(g, 610 * S, { state: 'returned_to_bot' });
  await w.ask(g, 620 * S);
  await w.rate(g, 630 * S, 2);

  const f = await w.start(700 * S);
  await w.handoff(f, 701 * S, 'asked_for_human');
  await w.update(f, 702 * S, { state: 'failed' });

  const e = await w.start(20 * 60 * S);
  await w.handoff(e, 21 * 60 * S, 'agent_failed');
  await w.update(e, 21 * 60 * S + S, { state: 'queued', position: 1 });

  return { now: at(22 * 60 * S) };
}

describe('the human desk figures over a hand-built chat log', () => {
  it('computes each figure exactly', async () => {
    const { now } = await buildDesk();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    const summary = await queries.summary({ from: START, to: at(30 * 60 * S) });
    expect(summary.desk).toEqual<DeskFigures>({
      handoffs: 5,
      failedHandoffs: 1,
      handoffRate: 5 / 7,
      byReason: { asked_for_human: 1, low_confidence: 1, negative_sentiment: 1, agent_failed: 1, other: 1 },
      // B waited 30 s (from its first `queued`), G 5 s (from `requested`): linear interpolation between them.
      queueWaitMs: { p50: 17_500, p95: 28_750 },
      assigned: 2,
      waiting: 1,
      humanFirstResponseMs: { p50: 8_000, p95: 8_000 },
      humanAnswered: 1,
      // Ended: A, B, C (closed), D, F, G (idle); only A never went to the desk.
      botResolution: { count: 1, of: 6, rate: 1 / 6 },
      // Settled: B (resolved), C (abandoned), D (left while queued), G (returned to the bot); E still waits.
      abandonedWaiting: { count: 2, of: 4, rate: 0.5 },
      // Of those four, a person resolved B.
      humanResolution: { count: 1, of: 4, rate: 0.25 },
      csat: {
        average: 3.67,
        count: 3,
        byResolvedBy: { bot: { average: 3.5, count: 2 }, human: { average: 4, count: 1 } },
      },
    });
    expect(await queries.desk({ from: START, to: at(30 * 60 * S) })).toEqual(summary.desk);
  });

  it('leaves the messages a person holds out of the bots’ first-response figures and abandonment', async () => {
    const { now } = await buildDesk();
    const summary = await createMetricsQueries({ sql: db.sql, now: () => now }).summary({
      from: START,
      to: at(30 * 60 * S),
    });
    // Eight bot exchanges (G asked twice); B's and C's messages to the operator count nowhere.
    expect(summary.messages).toMatchObject({ shopper: 8, answered: 8, unanswered: 0 });
    expect(summary.conversations).toMatchObject({ total: 7, ended: 6, abandoned: 0, abandonmentRate: 0 });
    expect(summary.handoffOffers).toBe(0);
  });

  it('counts a handoff waiting longer than the idle time as gone', async () => {
    const { now } = await buildDesk();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    // E has waited a minute: with an idle time of 30 s it has left while queued.
    const desk = await queries.desk({ from: START, to: at(30 * 60 * S), idleMs: 30 * S });
    expect(desk).toMatchObject({ waiting: 0, abandonedWaiting: { count: 3, of: 5, rate: 0.6 } });
  });

  it('takes handoffs by handoff time and ratings by their time', async () => {
    const { now } = await buildDesk();
    const queries = createMetricsQueries({ sql: db.sql, now: () => now });
    // [60 s, 300 s): B's handoff and rating only (C's handoff is at 301 s).
    const desk = await queries.desk({ from: at(60 * S), to: at(300 * S) });
    expect(desk).toMatchObject({
      handoffs: 1,
      handoffRate: 1,
      byReason: { asked_for_human: 1, low_confidence: 0 },
      queueWaitMs: { p50: 30_000, p95: 30_000 },
      abandonedWaiting: { count: 0, of: 1, rate: 0 },
      csat: { average: 4, count: 1, byResolvedBy: { bot: { average: null, count: 0 }, human: { count: 1 } } },
    });
  });

  it('answers zeros and nulls when nobody was handed off', async () => {
    const w = writer();
    const a = await w.start(0);
    await w.close(a, 10 * S);
    const queries = createMetricsQueries({ sql: db.sql, now: () => at(60 * S) });
    expect(await queries.desk({ from: START, to: at(60 * S) })).toEqual<DeskFigures>({
      handoffs: 0,
      failedHandoffs: 0,
      handoffRate: 0,
      byReason: { asked_for_human: 0, low_confidence: 0, negative_sentiment: 0, agent_failed: 0, other: 0 },
      queueWaitMs: { p50: null, p95: null },
      assigned: 0,
      waiting: 0,
      humanFirstResponseMs: { p50: null, p95: null },
      humanAnswered: 0,
      botResolution: { count: 1, of: 1, rate: 1 },
      abandonedWaiting: { count: 0, of: 0, rate: null },
      humanResolution: { count: 0, of: 0, rate: null },
      csat: {
        average: null,
        count: 0,
        byResolvedBy: { bot: { average: null, count: 0 }, human: { average: null, count: 0 } },
      },
    });
    const empty = await createMetricsQueries({ sql: db.sql }).desk({
      from: at(3_600_000),
      to: at(7_200_000),
    });
    expect(empty).toMatchObject({ handoffRate: null, botResolution: { rate: null } });
  });
});
