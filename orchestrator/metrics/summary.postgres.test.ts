import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from '../store/test-support.js';
import { createMetricsQueries, type SummaryRequest } from './summary.js';

const url = process.env.TEST_DATABASE_URL;
const CONVERSATIONS = 250_000; // × (2 shopper messages + 2 replies) = 1,000,000 messages over 30 days
const BASE = new Date('2025-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const END = new Date(BASE.getTime() + 30 * DAY);

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function nodes(plan: any): any[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** A plan as indented lines: node, index, table and actual time, the way EXPLAIN ANALYZE shows it. */
function describePlan(plan: any, depth = 0): string[] {
  const on = [
    plan['Index Name'] && `using ${plan['Index Name']}`,
    plan['Relation Name'] && `on ${plan['Relation Name']}`,
  ]
    .filter(Boolean)
    .join(' ');
  const line = `${'  '.repeat(depth)}${plan['Node Type']}${on ? ` ${on}` : ''} (${plan['Actual Total Time']?.toFixed(1)} ms, ${plan['Actual Rows']} rows)`;
  return [line, ...(plan.Plans ?? []).flatMap((p: any) => describePlan(p, depth + 1))];
}

describe.skipIf(!url)('the summary on a million messages (PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await postgresTestDatabase(url as string);
    const base = BASE.toISOString();
    // Server-side generation: a conversation every 10.368 s for 30 days, two questions 30 s apart, each answered
    // 100–999 ms later except every 50th second question; a third of the conversations closed, the rest idle.
    // Every fifth conversation is in English; every tenth reply is low-confidence, every fourth cites an entry,
    // each carries a tone; the questions have three wordings.
    await db.sql.query(
      `INSERT INTO conversations (id, subject, role, locale, created_at, last_activity_at, closed_at, close_reason)
       SELECT md5('c' || i)::uuid, 'guest:' || i, 'guest', CASE WHEN i % 5 = 0 THEN 'en' ELSE 'pt-BR' END, t,
              t + interval '31 seconds',
              CASE WHEN i % 3 = 0 THEN t + interval '2 minutes' END, CASE WHEN i % 3 = 0 THEN 'closed_by_shopper' END
       FROM generate_series(1, $2::int) i, LATERAL (SELECT $1::timestamptz + i * interval '10.368 seconds' AS t) x`,
      [base, CONVERSATIONS],
    );
    await db.sql.query(
      `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status)
       SELECT md5('s' || k || '-' || i)::uuid, md5('c' || i)::uuid, 'shopper',
              (ARRAY['qual o prazo?', 'Qual é o prazo?', 'posso trocar?'])[1 + i % 3],
              $1::timestamptz + i * interval '10.368 seconds' + k * interval '30 seconds', 'bench', 'answered'
       FROM generate_series(1, $2::int) i, generate_series(0, 1) k`,
      [base, CONVERSATIONS],
    );
    await db.sql.query(
      `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, reply_to, status,
                             first_token_at, completed_at, agents, citations, annotations)
       SELECT md5('r' || k || '-' || i)::uuid, md5('c' || i)::uuid, 'agent', 'o prazo é…', t, 'bench',
              md5('s' || k || '-' || i)::uuid, CASE WHEN unanswered THEN 'failed' ELSE 'answered' END,
              CASE WHEN NOT unanswered THEN t + (100 + (i * 7919) % 900) * interval '1 millisecond' END,
              t + interval '1 second', '{Assistant}',
              CASE WHEN i % 4 = 0 THEN '[{"id":"entrega","title":"Prazo de entrega"}]' ELSE '[]' END::jsonb,
              jsonb_build_array(
                jsonb_build_object('agent', 'Assistant', 'kind', 'confidence', 'data',
                  jsonb_build_object('level', CASE WHEN i % 10 = 0 THEN 'low' ELSE 'high' END, 'confidence', 0.5)),
                jsonb_build_object('agent', 'Sentiment', 'kind', 'sentiment', 'data',
                  jsonb_build_object('label', (ARRAY['negative', 'neutral', 'positive'])[1 + i % 3],
                                     'confidence', 0.8)))
       FROM generate_series(1, $2::int) i, generate_series(0, 1) k,
            LATERAL (SELECT $1::timestamptz + i * interval '10.368 seconds' + k * interval '30 seconds' AS t,
                            k = 1 AND i % 50 = 0 AS unanswered) x`,
      [base, CONVERSATIONS],
    );
    await db.sql.query(
      `INSERT INTO agent_tasks (id, message_id, agent, skill, started_at, first_event_at, ended_at, outcome)
       SELECT md5('t' || k || '-' || i)::uuid, md5('r' || k || '-' || i)::uuid,
              CASE WHEN i % 2 = 0 THEN 'Assistant' ELSE 'Sentiment' END, 'faq-answer', t,
              t + interval '50 milliseconds', t + (100 + (i * 7919) % 900) * interval '1 millisecond',
              CASE WHEN i % 97 = 0 THEN 'timeout' ELSE 'completed' END
       FROM generate_series(1, $2::int) i, generate_series(0, 1) k,
            LATERAL (SELECT $1::timestamptz + i * interval '10.368 seconds' + k * interval '30 seconds' AS t) x`,
      [base, CONVERSATIONS],
    );
    // Every 20th conversation is handed to the desk 40 s in: requested, queued 1 s later, assigned after 10–69 s,
    // an operator writes 5 s after that, resolved; every fifth of those (every 100th conversation) never leaves the queue. Half are rated.
    await db.sql.query(
      `UPDATE conversations SET handoff_at = created_at + interval '40 seconds', handoff_reason = 'asked_for_human',
         handoff_state = CASE WHEN n % 100 = 0 THEN 'queued' ELSE 'resolved' END
       FROM (SELECT md5('c' || i)::uuid AS id, i AS n FROM generate_series(20, $1::int, 20) i) h
       WHERE conversations.id = h.id`,
      [CONVERSATIONS],
    );
    await db.sql.query(
      `INSERT INTO conversation_events (conversation_id, id, kind, author, data, created_at)
       SELECT c.id, 100 + k, 'handoff', 'system', jsonb_build_object('state', s), c.handoff_at + d
       FROM conversations c,
            LATERAL (VALUES (0, 'requested', interval '0'), (1, 'queued', interval '1 second'),
                            (2, 'assigned', (11 + (extract(epoch FROM c.created_at)::int % 60)) * interval '1 second'),
                            (3, 'resolved', interval '5 minutes')) v(k, s, d)
       WHERE c.handoff_at IS NOT NULL AND (k < 2 OR c.handoff_state = 'resolved')`,
    );
    await db.sql.query(
      `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status, completed_at)
       SELECT md5('o' || c.id)::uuid, c.id, 'operator', 'olá', e.created_at + interval '5 seconds', 'desk',
              'answered', e.created_at + interval '5 seconds'
       FROM conversations c JOIN conversation_events e ON e.conversation_id = c.id AND e.data->>'state' = 'assigned'`,
    );
    await db.sql.query(
      `INSERT INTO conversation_ratings (conversation_id, score, resolved_by, created_at)
       SELECT id, 1 + extract(epoch FROM created_at)::int % 5, 'human', handoff_at + interval '6 minutes'
       FROM conversations WHERE handoff_state = 'resolved' AND extract(epoch FROM created_at)::int % 2 = 0`,
    );
    await db.sql.query('ANALYZE conversations');
    await db.sql.query('ANALYZE conversation_events');
    await db.sql.query('ANALYZE conversation_ratings');
    await db.sql.query('ANALYZE messages');
    await db.sql.query('ANALYZE agent_tasks');
  }, 300_000);

  afterAll(async () => {
    await db?.dispose();
  });

  // The dashboard's default range (~33,000 messages of the million) and a week (~233,000). What is checked is the
  // plan (indexes, no sequential scan of the big tables); the times are printed with it, not asserted: speed is
  // the benchmarks' business, and this machine is shared.
  const ranges: Array<[string, SummaryRequest]> = [
    ['the last 24 hours', { from: new Date(END.getTime() - DAY), to: END }],
    ['the last 7 days', { from: new Date(END.getTime() - 7 * DAY), to: END }],
  ];

  it.each(ranges)(
    'summarises %s through the indexes, and shows the query plans',
    async (_name, request) => {
      const queries = createMetricsQueries({ sql: db.sql, now: () => END });
      const count = Number(
        (
          await db.sql.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE author <> 'operator'")
        )[0]?.n ?? 0,
      );
      expect(count).toBe(4 * CONVERSATIONS);

      for (const statement of await queries.statements(request)) {
        const rows = await db.sql.query<{ 'QUERY PLAN': any }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
          statement.params,
        );
        const plan = rows[0]?.['QUERY PLAN'][0];
        const scans = nodes(plan.Plan).filter((n) => n['Node Type'] === 'Seq Scan');
        expect(
          scans.map((n) => n['Relation Name']),
          `${statement.name}: ${JSON.stringify(scans.map((n) => n['Relation Name']))}`,
        ).not.toContain('messages');
        expect(scans.map((n) => n['Relation Name'])).not.toContain('conversations');
        console.info(
          `${statement.name}: ${plan['Execution Time'].toFixed(0)} ms\n${describePlan(plan.Plan).join('\n')}`,
        );
      }

      const started = performance.now();
      const summary = await queries.summary(request);
      const elapsed = performance.now() - started;
      console.info(`summary of ${_name}: ${elapsed.toFixed(0)} ms`);
      expect(summary.messages.answered).toBeGreaterThan(0);
      expect(summary.conversations.abandonmentRate).toBeGreaterThan(0);
      expect(summary.agents.map((a) => a.agent)).toEqual(['Assistant', 'Sentiment']);
      expect(summary.desk.handoffRate).toBeCloseTo(0.05, 2);
      expect(summary.desk.queueWaitMs.p50).toBeGreaterThanOrEqual(10_000);
      expect(summary.desk.queueWaitMs.p95).toBeLessThanOrEqual(69_000);
      expect(summary.desk.humanFirstResponseMs).toEqual({ p50: 5_000, p95: 5_000 });
      expect(summary.desk.abandonedWaiting.rate).toBeCloseTo(0.2, 2);
      expect(summary.desk.csat.count).toBeGreaterThan(0);
      expect(summary.desk.botResolution.rate).toBeGreaterThan(0);
      // The manager's figures: the answers of every tenth conversation not found (0.18 of 1.98 answers per
      // conversation, the second reply of every 50th failing), tones, one topic, two languages, the questions.
      expect(summary.messages.notFound / summary.messages.answered).toBeCloseTo(0.18 / 1.98, 2);
      const tones = summary.sentiment.negative + summary.sentiment.neutral + summary.sentiment.positive;
      expect(tones).toBe(summary.messages.shopper);
      expect(summary.topics.entries).toEqual([
        { id: 'entrega', title: 'Prazo de entrega', count: expect.any(Number) },
      ]);
      expect(summary.conversations.byLocale.map((l) => l.locale)).toEqual(['pt-BR', 'en']);
      // "posso" is no stop word in Orama's Portuguese list.
      expect(summary.unansweredQuestions.map((q) => q.key)).toEqual(['prazo', 'posso trocar']);
      expect(summary.unansweredQuestions.reduce((n, q) => n + q.count, 0)).toBe(
        summary.messages.notFound + summary.messages.unanswered,
      );
    },
    60_000,
  );

  it.each(ranges)(
    'lists and exports the conversations of %s through the indexes',
    async (_name, request) => {
      const { conversations } = createMetricsQueries({ sql: db.sql, now: () => END });
      for (const filter of [{}, { abandoned: true, locale: 'en' }, { rated: true, handedOff: true }]) {
        const { text, params } = conversations.listStatement({ ...request, ...filter });
        const rows = await db.sql.query<{ 'QUERY PLAN': any }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
          params,
        );
        const plan = rows[0]?.['QUERY PLAN'][0];
        const scans = nodes(plan.Plan)
          .filter((n) => n['Node Type'] === 'Seq Scan')
          .map((n) => n['Relation Name']);
        expect(scans, JSON.stringify(filter)).not.toContain('messages');
        expect(scans, JSON.stringify(filter)).not.toContain('conversations');
        console.info(
          `list ${JSON.stringify(filter)}: ${plan['Execution Time'].toFixed(0)} ms\n${describePlan(plan.Plan).join('\n')}`,
        );
      }
      const page = await conversations.list({ ...request, abandoned: true, limit: 20 });
      expect(page.conversations).toHaveLength(20);
      expect(page.conversations.every((r) => r.abandoned)).toBe(true);

      const started = performance.now();
      const exported = await conversations.rows(request);
      console.info(
        `export of ${_name}: ${exported.length} rows in ${(performance.now() - started).toFixed(0)} ms`,
      );
      const summary = await createMetricsQueries({ sql: db.sql, now: () => END }).summary(request);
      expect(exported).toHaveLength(summary.conversations.total);
      expect(exported.filter((r) => r.abandoned)).toHaveLength(summary.conversations.abandoned);
    },
    120_000,
  );
});
