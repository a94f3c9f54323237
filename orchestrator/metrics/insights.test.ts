import { parse } from 'csv-parse/sync';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agents/runtime/index.js';
import { createAccessTokens } from '../auth/access-tokens.js';
import { handleError } from '../errors.js';
import { createSigningKeys } from '../mesh/signing-keys.js';
import { createHandoffLog } from '../store/handoff-log.js';
import { type CloseExchangeInput, type Conversation, createChatLog, type Exchange } from '../store/index.js';
import { manualClock, pgliteTestDatabase, seedExchange, type TestDatabase } from '../store/test-support.js';
import type { ConversationRow } from './conversations.js';
import { createMetricsRegistry } from './prometheus.js';
import { EXPORT_COLUMNS, metricsRoutes } from './routes.js';
import { createMetricsQueries, type MetricsSummary } from './summary.js';

// The manager's figures (issue 15): answered-but-not-found, sentiment, topics, languages, the unanswered questions,
// and the single conversations (list, transcript, CSV), exact on a hand-built log written through the stores.

const START = new Date('2025-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);
const S = 1000;
const NOW = at(22 * 60 * S);
const RANGE = { from: START, to: at(30 * 60 * S) };
const OPERATOR = { id: 'op-1', name: 'Ana' };

const SHIPPING = { id: 'entrega', title: 'Prazo de entrega' };
const RETURNS = { id: 'trocas', title: 'Trocas e devoluções' };
const tone = (label: string) => ({ agent: 'Sentiment', kind: 'sentiment', data: { label, confidence: 0.9 } });
const sure = (level: 'high' | 'low') => ({
  agent: 'Assistant',
  kind: 'confidence',
  data: { level, confidence: level === 'high' ? 0.9 : 0.2 },
});

let db: TestDatabase;
let ids: Record<'a' | 'b' | 'c' | 'd' | 'e', string>;

/**
 * A (pt-BR): "Qual é o prazo de entrega?" answered in 200 ms citing SHIPPING, neutral; closed, rated 5 (bot).
 * B (en): "Do you ship to Portugal?" answered in 300 ms but low confidence, negative; then "do you ship to
 *    portugal??" whose reply fails; closed → abandoned.
 * C (pt-BR): "Entrega em Portugal, vocês fazem?" answered in 500 ms, low confidence citing SHIPPING, positive; idle.
 * D (pt-BR): "Prazo de entrega" answered in 1000 ms citing SHIPPING and RETURNS, negative; asks for a person, queued,
 *    assigned 20 s later, the operator answers, resolved, rated 2 (human), closed.
 * E (en): "hello" at 20 min, the reply still streaming → active.
 */
async function buildLog() {
  const clock = manualClock(START);
  const log = createChatLog({ sql: db.sql, now: clock.now });
  const desk = createHandoffLog({ sql: db.sql, now: clock.now });
  const set = (ms: number) => clock.advance(at(ms).getTime() - clock.now().getTime());
  const ask = async (ms: number, text: string, locale: string, conversation?: Conversation) => {
    set(ms);
    return seedExchange(log, { conversation, subject: `guest:${ms}`, text, locale });
  };
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
  const rate = async ({ conversation }: Exchange, ms: number, score: number) => {
    set(ms);
    expect(await desk.rate({ conversationId: conversation.id, subject: conversation.subject, score })).toBe(
      'stored',
    );
  };

  const a = await ask(0, 'Qual é o prazo de entrega?', 'pt-BR');
  await answer(a, 200, { citations: [SHIPPING], annotations: [sure('high'), tone('neutral')] });
  await close(a, 10 * S);
  await rate(a, 11 * S, 5);

  const b = await ask(60 * S, 'Do you ship to Portugal?', 'en');
  await answer(b, 60 * S + 300, { annotations: [sure('low'), tone('negative')] });
  const b2 = await ask(90 * S, 'do you ship to portugal??', 'en', b.conversation);
  set(95 * S);
  await log.closeExchange({ replyId: b2.reply.id, text: 'desculpe', agents: ['Assistant'], errorCode: 'x' });
  await close(b, 100 * S);

  const c = await ask(120 * S, 'Entrega em Portugal, vocês fazem?', 'pt-BR');
  await answer(c, 120 * S + 500, {
    citations: [SHIPPING],
    annotations: [sure('low'), tone('positive')],
  });

  const d = await ask(180 * S, 'Prazo de entrega', 'pt-BR');
  await answer(d, 181 * S, { citations: [SHIPPING, RETURNS], annotations: [tone('negative')] });
  set(182 * S);
  const conversation = { conversationId: d.conversation.id, subject: d.conversation.subject };
  await desk.request({ ...conversation, reason: 'asked_for_human', agent: 'desk' });
  set(183 * S);
  await desk.update(d.conversation.id, { state: 'queued', position: 1 });
  set(203 * S);
  await desk.update(d.conversation.id, { state: 'assigned', operator: OPERATOR });
  set(210 * S);
  await desk.operatorMessage({
    conversationId: d.conversation.id,
    messageId: crypto.randomUUID(),
    text: 'Olá, sou a Ana',
    operator: OPERATOR,
    at: at(210 * S),
  });
  set(300 * S);
  await desk.update(d.conversation.id, { state: 'resolved' });
  await rate(d, 301 * S, 2);
  await close(d, 302 * S);

  const e = await ask(20 * 60 * S, 'hello', 'en');
  ids = {
    a: a.conversation.id,
    b: b.conversation.id,
    c: c.conversation.id,
    d: d.conversation.id,
    e: e.conversation.id,
  };
}

let summary: MetricsSummary;
const queries = () => createMetricsQueries({ sql: db.sql, now: () => NOW });

beforeAll(async () => {
  db = await pgliteTestDatabase();
  await buildLog();
  summary = await queries().summary(RANGE);
});
afterAll(async () => {
  await db.dispose();
});

describe('the manager’s figures over a hand-built chat log', () => {
  it('shows answered-but-not-found apart from answered', () => {
    expect(summary.messages).toMatchObject({ shopper: 6, answered: 4, notFound: 2, unanswered: 2 });
    const bucket = summary.series.find((p) => p.notFound > 0);
    expect(bucket).toBeDefined();
    expect(summary.series.reduce((n, p) => n + p.notFound, 0)).toBe(2);
  });

  it('counts the tone of each message, in all and over time', () => {
    expect(summary.sentiment).toEqual({ negative: 2, neutral: 1, positive: 1 });
    const perBucket = summary.series.reduce(
      (n, p) => n + p.sentiment.negative + p.sentiment.neutral + p.sentiment.positive,
      0,
    );
    expect(perBucket).toBe(4);
  });

  it('counts the volume by FAQ entry cited and by language', () => {
    // SHIPPING: A, C (low confidence but answered), D; RETURNS: D; B's first answer cited nothing.
    expect(summary.topics).toEqual({
      entries: [
        { id: 'entrega', title: 'Prazo de entrega', count: 3 },
        { id: 'trocas', title: 'Trocas e devoluções', count: 1 },
      ],
      uncited: 1,
    });
    expect(summary.conversations.byLocale).toEqual([
      { locale: 'pt-BR', count: 3 },
      { locale: 'en', count: 2 },
    ]);
  });

  it('plots the conversations’ first-response time by bucket', () => {
    // Buckets of 1 min over 30 min: A (200 ms) in the first, B (300 ms) in the second, C (500 ms) in the third.
    expect(summary.range.bucketMs).toBe(60_000);
    expect(summary.series.slice(0, 4).map((p) => p.conversationP50)).toEqual([200, 300, 500, 1000]);
    expect(summary.series[20]).toMatchObject({ conversations: 1, conversationP50: null });
  });

  it('clusters the questions the bots could not answer', () => {
    expect(summary.unansweredQuestions).toEqual([
      {
        key: 'portugal ship',
        count: 2,
        question: 'do you ship to portugal?',
        paraphrases: ['do you ship to portugal?', 'do you ship to portugal??'],
        lastAt: at(90 * S).toISOString(),
      },
      {
        key: 'entrega fazem portugal',
        count: 1,
        question: 'entrega em portugal, vocês fazem?',
        paraphrases: ['entrega em portugal, vocês fazem?'],
        lastAt: at(120 * S).toISOString(),
      },
      {
        key: 'hello',
        count: 1,
        question: 'hello',
        paraphrases: ['hello'],
        lastAt: at(20 * 60 * S).toISOString(),
      },
    ]);
    const total = summary.unansweredQuestions.reduce((n, q) => n + q.count, 0);
    expect(total).toBe(summary.messages.notFound + summary.messages.unanswered);
  });
});

describe('single conversations', () => {
  it('lists them newest first with their figures, and filters them', async () => {
    const list = queries().conversations.list;
    const page = await list(RANGE);
    expect(page.next).toBeNull();
    expect(page.conversations.map((r) => r.id)).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
    const byId = Object.fromEntries(page.conversations.map((r) => [r.id, r]));
    expect(byId[ids.b]).toMatchObject<Partial<ConversationRow>>({
      locale: 'en',
      shopperMessages: 2,
      answered: 1,
      notFound: 1,
      unanswered: 1,
      firstResponseMs: 300,
      leftBy: 'closed',
      abandoned: true,
      handedOff: false,
      rating: null,
      sentiment: 'negative',
      topic: null,
    });
    expect(byId[ids.d]).toMatchObject<Partial<ConversationRow>>({
      // The operator's message is not the bots': one shopper message, answered by the bot in 1 s.
      shopperMessages: 1,
      answered: 1,
      firstResponseMs: 1000,
      abandoned: false,
      handedOff: true,
      handoffReason: 'asked_for_human',
      handoffState: 'resolved',
      timeToHumanMs: 20_000,
      rating: 2,
      resolvedBy: 'human',
      topic: 'Prazo de entrega',
    });
    expect(byId[ids.c]).toMatchObject({ leftBy: 'idle', abandoned: false, sentiment: 'positive' });
    expect(byId[ids.e]).toMatchObject({ leftBy: 'active', abandoned: false, unanswered: 1 });
    expect(byId[ids.a]).toMatchObject({ rating: 5, resolvedBy: 'bot', topic: 'Prazo de entrega' });

    const ofIds = async (filter: Parameters<typeof list>[0]) =>
      (await list(filter)).conversations.map((r) => r.id);
    expect(await ofIds({ ...RANGE, locale: 'en' })).toEqual([ids.e, ids.b]);
    expect(await ofIds({ ...RANGE, handedOff: true })).toEqual([ids.d]);
    expect(await ofIds({ ...RANGE, rated: true })).toEqual([ids.d, ids.a]);
    expect(await ofIds({ ...RANGE, rated: false })).toEqual([ids.e, ids.c, ids.b]);
    expect(await ofIds({ ...RANGE, abandoned: true })).toEqual([ids.b]);
    expect(await ofIds({ ...RANGE, locale: 'pt-BR', abandoned: false, handedOff: false })).toEqual([
      ids.c,
      ids.a,
    ]);
    expect(await ofIds({ from: at(60 * S), to: at(180 * S) })).toEqual([ids.c, ids.b]);
  });

  it('pages with a cursor', async () => {
    const list = queries().conversations.list;
    const first = await list({ ...RANGE, limit: 2 });
    expect(first.conversations.map((r) => r.id)).toEqual([ids.e, ids.d]);
    expect(first.next).toEqual({ createdAt: at(180 * S).toISOString(), id: ids.d });
    const before = { createdAt: new Date(first.next?.createdAt ?? 0), id: ids.d };
    const second = await list({ ...RANGE, limit: 2, before });
    expect(second.conversations.map((r) => r.id)).toEqual([ids.c, ids.b]);
    const third = await list({ ...RANGE, limit: 2, before: { createdAt: at(60 * S), id: ids.b } });
    expect(third).toEqual({ conversations: [expect.objectContaining({ id: ids.a })], next: null });
  });

  it('adds up to the summary of the same range', async () => {
    const rows = await queries().conversations.rows(RANGE);
    const c = summary.conversations;
    expect(rows).toHaveLength(c.total);
    expect(rows.filter((r) => r.abandoned)).toHaveLength(c.abandoned);
    expect(rows.filter((r) => r.leftBy === 'closed' || r.leftBy === 'idle')).toHaveLength(c.ended);
    expect(rows.filter((r) => r.handedOff)).toHaveLength(summary.desk.handoffs);
    expect(rows.reduce((n, r) => n + r.shopperMessages, 0)).toBe(summary.messages.shopper);
    expect(rows.reduce((n, r) => n + r.notFound, 0)).toBe(summary.messages.notFound);
    expect(rows.filter((r) => r.rating !== null)).toHaveLength(summary.desk.csat.count);
  });

  it('reads a transcript with the confidence, tone and sources of each reply', async () => {
    const transcript = await queries().conversations.transcript(ids.d);
    expect(transcript?.conversation.id).toBe(ids.d);
    expect(transcript?.messages.map((m) => [m.author, m.text])).toEqual([
      ['shopper', 'Prazo de entrega'],
      ['agent', 'resposta'],
      ['operator', 'Olá, sou a Ana'],
    ]);
    expect(transcript?.messages[1]).toMatchObject({
      sentiment: 'negative',
      confidence: null,
      citations: [SHIPPING, RETURNS],
      firstTokenAt: at(181 * S).toISOString(),
    });
    expect(transcript?.messages[2]?.agents).toEqual(['Ana']);
    expect(transcript?.handoff.map((h) => h.state)).toEqual(['requested', 'queued', 'assigned', 'resolved']);
    expect(transcript?.rating).toMatchObject({ score: 2, resolvedBy: 'human', comment: null });
    const b = await queries().conversations.transcript(ids.b);
    expect(b?.messages.map((m) => m.confidence)).toEqual([null, 'low', null, null]);
    expect(await queries().conversations.transcript('not-a-uuid')).toBeUndefined();
    expect(await queries().conversations.transcript(crypto.randomUUID())).toBeUndefined();
  });
});

describe('the routes over the same log', () => {
  let app: Hono;
  let tokens: Record<'admin' | 'operator' | 'customer', string>;

  beforeAll(async () => {
    const accessTokens = createAccessTokens({
      keys: await createSigningKeys(),
      issuer: 'atende-orchestrator',
      guestTtlSec: 60,
    });
    tokens = {
      admin: (await accessTokens.issue({ subject: 'u-admin', role: 'admin' })).token,
      operator: (await accessTokens.issue({ subject: 'u-op', role: 'operator' })).token,
      customer: (await accessTokens.issue({ subject: 'u-customer', role: 'customer' })).token,
    };
    app = new Hono();
    app.route('/', metricsRoutes({ queries: queries(), accessTokens, registry: createMetricsRegistry() }));
    app.onError(handleError(createLogger({ name: 'test', level: 'silent' })));
  });

  const get = (path: string, token?: string) =>
    app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const range = `from=${RANGE.from.toISOString()}&to=${RANGE.to.toISOString()}`;

  it.each([
    `/api/metrics/conversations?${range}`,
    '/api/metrics/conversations/00000000-0000-4000-8000-000000000000',
    `/api/metrics/export.csv?${range}`,
  ])('%s is for admins only: 401, then 403 for an operator or a customer', async (path) => {
    expect((await get(path)).status).toBe(401);
    expect((await get(path, 'not-a-jwt')).status).toBe(401);
    for (const role of ['operator', 'customer'] as const) {
      const response = await get(path, tokens[role]);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });
    }
  });

  it('lists with filters from the query string, and pages', async () => {
    const body = (await (
      await get(`/api/metrics/conversations?${range}&locale=en&abandoned=true`, tokens.admin)
    ).json()) as { conversations: ConversationRow[]; next: unknown };
    expect(body.conversations.map((r) => r.id)).toEqual([ids.b]);
    const page = (await (await get(`/api/metrics/conversations?${range}&limit=2`, tokens.admin)).json()) as {
      next: { createdAt: string; id: string };
    };
    const next = await get(
      `/api/metrics/conversations?${range}&limit=2&before=${page.next.createdAt}&beforeId=${page.next.id}`,
      tokens.admin,
    );
    expect(((await next.json()) as { conversations: ConversationRow[] }).conversations[0]?.id).toBe(ids.c);
  });

  it.each([
    ['handedOff=yes', /handedOff must be true or false/],
    ['limit=0', /limit must be at least 1/],
    ['before=2025-03-01T09:00:00Z', /before and beforeId go together/],
    ['beforeId=abc&before=2025-03-01T09:00:00Z', /beforeId must be a conversation id/],
  ])('refuses %s with a clear 400', async (query, message) => {
    const response = await get(`/api/metrics/conversations?${query}`, tokens.admin);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  it('answers a transcript, 404 for an unknown one', async () => {
    const response = await get(`/api/metrics/conversations/${ids.a}`, tokens.admin);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { messages: unknown[] }).messages).toHaveLength(2);
    const unknown = await get(`/api/metrics/conversations/${crypto.randomUUID()}`, tokens.admin);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'conversation_not_found' });
    expect((await get('/api/metrics/conversations/nope', tokens.admin)).status).toBe(404);
  });

  it('exports the range as CSV, one row per conversation, matching the summary', async () => {
    const response = await get(`/api/metrics/export.csv?${range}`, tokens.admin);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="atende-conversations-2025-03-01-2025-03-01.csv"',
    );
    const records = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0] ?? {})).toEqual(EXPORT_COLUMNS.map(([name]) => name));
    expect(records.map((r) => r.conversation_id)).toEqual([ids.a, ids.b, ids.c, ids.d, ids.e]);
    const c = summary.conversations;
    expect(records).toHaveLength(c.total);
    expect(records.filter((r) => r.abandoned === 'true')).toHaveLength(c.abandoned);
    expect(records.filter((r) => r.handed_off === 'true')).toHaveLength(summary.desk.handoffs);
    expect(records.reduce((n, r) => n + Number(r.not_found), 0)).toBe(summary.messages.notFound);
    expect(records.find((r) => r.conversation_id === ids.d)).toMatchObject({
      locale: 'pt-BR',
      first_response_ms: '1000',
      time_to_human_ms: '20000',
      handoff_reason: 'asked_for_human',
      rating: '2',
      resolved_by: 'human',
      topic: 'Prazo de entrega',
      closed_at: at(302 * S).toISOString(),
    });
    // An empty figure is an empty cell.
    expect(records.find((r) => r.conversation_id === ids.e)).toMatchObject({ rating: '', left_by: 'active' });
  });
});
