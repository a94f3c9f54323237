import { z } from 'zod';
import type { SqlClient } from '../store/index.js';
import { type ConversationQueries, createConversationQueries } from './conversations.js';
import {
  DEFAULT_IDLE_MS,
  HANDOFF_REASONS,
  type HandoffReason,
  HISTOGRAM_BOUNDS_MS,
  LOW_CONFIDENCE_SQL,
} from './definitions.js';
import { clusterQuestions, type QuestionCluster } from './questions.js';

/** p50/p95/p99 in milliseconds; null when there is nothing to measure. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One agent's figures over the range (see `definitions.ts`). */
export interface AgentFigures {
  agent: string;
  tasks: number;
  failures: number;
  timeouts: number;
  latencyMs: { p50: number | null; p95: number | null };
  firstEventMs: { p50: number | null; p95: number | null };
}

/** p50/p95 in milliseconds; null when there is nothing to measure. */
export interface Quantiles {
  p50: number | null;
  p95: number | null;
}

/** A share: `count` of `of`, and their ratio (null when `of` is 0). */
export interface Share {
  count: number;
  of: number;
  rate: number | null;
}

/** Average rating (1–5, two decimals; null without ratings) and how many ratings it averages. */
export interface Csat {
  average: number | null;
  count: number;
}

/** The human desk's figures over the range (see `definitions.ts`). */
export interface DeskFigures {
  /** Conversations handed to the desk (handoff requested in the range), a failed handoff excluded. */
  handoffs: number;
  /** Handoffs the desk failed to take (state `failed`), outside every other desk figure. */
  failedHandoffs: number;
  /** `handoffs` ÷ conversations with a shopper message. */
  handoffRate: number | null;
  /** `handoffs` by reason; every known reason is present, unknown reasons count as `other`. */
  byReason: Record<HandoffReason, number>;
  /** Queue wait (first `queued`, else `requested`, to `assigned`) of the handoffs that reached a person. */
  queueWaitMs: Quantiles;
  /** Handoffs that reached a person (those measured in `queueWaitMs`). */
  assigned: number;
  /** Handoffs still waiting for a person (`requested` or `queued`, the shopper not gone). */
  waiting: number;
  /** From `assigned` to the operator's first message after it. */
  humanFirstResponseMs: Quantiles;
  /** Assigned handoffs whose operator wrote (those measured in `humanFirstResponseMs`). */
  humanAnswered: number;
  /** Conversations ended answered, never handed off and not abandoned, of the conversations ended. */
  botResolution: Share;
  /** Handoffs the shopper left while still waiting, of the handoffs that ended or were left. */
  abandonedWaiting: Share;
  /** Handoffs a person resolved (state `resolved`), of the handoffs that ended or were left. */
  humanResolution: Share;
  /** Ratings given in the range, in all and by who resolved the conversation. */
  csat: Csat & { byResolvedBy: { bot: Csat; human: Csat } };
}

/** How many shopper messages the sentiment agent read as each tone. */
export interface SentimentCounts {
  negative: number;
  neutral: number;
  positive: number;
}

/**
 * One bucket of the time series: first-response time of the messages (by the message's time), sentiment, and
 * abandonment and first-response time of the conversations (by the conversation's start).
 */
export interface SeriesPoint {
  /** Start of the bucket (ISO 8601). */
  start: string;
  messages: number;
  answered: number;
  /** Of `answered`, the replies that were low-confidence ("answered but not found"). */
  notFound: number;
  p50: number | null;
  p95: number | null;
  sentiment: SentimentCounts;
  conversations: number;
  ended: number;
  abandoned: number;
  abandonmentRate: number | null;
  /** Median first-response time of the conversations started in the bucket. */
  conversationP50: number | null;
}

/** An FAQ entry and how many answered shopper messages cited it. */
export interface TopicCount {
  id: string;
  title: string;
  count: number;
}

/** One bin of the first-response histogram: `[fromMs, toMs)`, `toMs` null for the open last bin. */
export interface HistogramBin {
  fromMs: number;
  toMs: number | null;
  count: number;
}

/** The answer of `GET /api/metrics/summary`; every figure is defined in `definitions.ts`. */
export interface MetricsSummary {
  range: { from: string; to: string; idleMs: number; bucketMs: number; generatedAt: string };
  messages: {
    shopper: number;
    /** Messages whose reply showed agent text, `notFound` included. */
    answered: number;
    /** Answered with a low-confidence reply: the bot said it did not find it. */
    notFound: number;
    unanswered: number;
    firstResponseMs: Percentiles;
  };
  conversations: {
    total: number;
    withShopperMessage: number;
    ended: number;
    closed: number;
    idle: number;
    active: number;
    abandoned: number;
    abandonmentRate: number | null;
    firstResponseMs: Percentiles;
    /** Conversations by their locale, most first. */
    byLocale: Array<{ locale: string; count: number }>;
  };
  /** Answered messages by the FAQ entry their reply cited (top 20), and how many cited none. */
  topics: { entries: TopicCount[]; uncited: number };
  /** Shopper messages by the tone the sentiment agent gave them. */
  sentiment: SentimentCounts;
  /** The questions the bots could not answer (low confidence or no answer), clustered, most asked first. */
  unansweredQuestions: QuestionCluster[];
  /** Replies that offered a human operator (the `handoff` annotation), not conversations handed off. */
  handoffOffers: number;
  /** The human desk: handoffs, queue wait, human first response, bot resolution, CSAT. */
  desk: DeskFigures;
  agents: AgentFigures[];
  series: SeriesPoint[];
  histogram: HistogramBin[];
}

/** What {@link MetricsQueries.summary} summarises. */
export interface SummaryRequest {
  /** Start of the range (inclusive). */
  from: Date;
  /** End of the range (exclusive); MUST be after `from`. */
  to: Date;
  /** Idle time after which a shopper who did not close the chat has left; defaults to 5 minutes. */
  idleMs?: number;
  /** About how many buckets the time series should have (1–200); defaults to 48. */
  buckets?: number;
}

/** One SQL statement the summary runs, exposed so tests can EXPLAIN it. */
export interface SummaryStatement {
  name: 'messages' | 'conversations' | 'agents' | 'handoffOffers' | 'desk' | 'questions';
  text: string;
  params: unknown[];
}

/** Read-only queries over the chat log for the metrics API and the benchmark. */
export interface MetricsQueries {
  summary(request: SummaryRequest): Promise<MetricsSummary>;
  /** Only the human desk's figures of `summary` (two statements instead of five; for `GET /metrics`). */
  desk(request: SummaryRequest): Promise<DeskFigures>;
  /** The statements `summary` runs for `request`. */
  statements(request: SummaryRequest): Promise<SummaryStatement[]>;
  /** Single conversations: the dashboard's list, a transcript, the CSV export. */
  conversations: ConversationQueries;
}

/** Options of {@link createMetricsQueries}. */
export interface MetricsQueriesOptions {
  /** A migrated chat-log database. */
  sql: SqlClient;
  /** The clock idle time is measured against; defaults to the system clock. */
  now?: () => Date;
}

// Bucket widths the series snaps to, so bucket edges are round numbers on the chart.
const NICE_STEPS_MS = [
  1_000,
  5_000,
  10_000,
  15_000,
  30_000,
  60_000,
  5 * 60_000,
  10 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  7 * 86_400_000,
];

/** The bucket width for `rangeMs` split into about `buckets` parts: the smallest nice step that fits. */
export function bucketWidthMs(rangeMs: number, buckets: number): number {
  const wanted = Math.max(1, Math.ceil(rangeMs / buckets));
  return NICE_STEPS_MS.find((step) => step >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

const MESSAGES_SQL = `
WITH asked AS MATERIALIZED (
  SELECT s.id, floor(extract(epoch FROM (s.created_at - $1::timestamptz)) * 1000 / $3::float8)::int AS bucket,
         extract(epoch FROM (r.first_token_at - s.created_at)) * 1000 AS ms,
         coalesce(r.low, false) AS low, r.sentiment, r.citations
  FROM messages s
  LEFT JOIN LATERAL (
    SELECT min(a.first_token_at) AS first_token_at, count(*) AS replies,
           bool_or(a.annotations @> ${LOW_CONFIDENCE_SQL}) AS low,
           max(jsonb_path_query_first(a.annotations, '$[*] ? (@.kind == "sentiment").data.label') #>> '{}')
             AS sentiment,
           (array_agg(a.citations ORDER BY a.created_at))[1] AS citations
    FROM messages a
    WHERE a.reply_to = s.id AND a.author = 'agent'
  ) r ON true
  WHERE s.author = 'shopper' AND s.created_at >= $1::timestamptz AND s.created_at < $2::timestamptz
    -- A message a person holds (written after the handoff, no bot reply opened for it) is not the bots' to answer.
    AND (r.replies > 0 OR NOT EXISTS (
      SELECT 1 FROM conversations c WHERE c.id = s.conversation_id AND c.handoff_at <= s.created_at))
)
SELECT json_build_object(
  'shopper', (SELECT count(*) FROM asked),
  'answered', (SELECT count(ms) FROM asked),
  'notFound', (SELECT count(ms) FILTER (WHERE low) FROM asked),
  'p', (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) FROM asked),
  'buckets', (SELECT coalesce(json_agg(json_build_array(bucket, n, answered, p, not_found, negative, neutral, positive)
                                       ORDER BY bucket), '[]'::json)
    FROM (SELECT bucket, count(*) AS n, count(ms) AS answered,
                 percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ms) AS p,
                 count(ms) FILTER (WHERE low) AS not_found,
                 count(*) FILTER (WHERE sentiment = 'negative') AS negative,
                 count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
                 count(*) FILTER (WHERE sentiment = 'positive') AS positive
          FROM asked GROUP BY bucket) b),
  'histogram', (SELECT coalesce(json_agg(json_build_array(bin, n) ORDER BY bin), '[]'::json)
    FROM (SELECT width_bucket(ms, $4::float8[]) AS bin, count(*) AS n
          FROM asked WHERE ms IS NOT NULL GROUP BY 1) h),
  'topics', (SELECT coalesce(json_agg(json_build_array(id, title, n) ORDER BY n DESC, id), '[]'::json)
    FROM (SELECT e->>'id' AS id, max(e->>'title') AS title, count(DISTINCT a.id) AS n
          FROM asked a,
               jsonb_array_elements(CASE WHEN jsonb_typeof(a.citations) = 'array' THEN a.citations END) e
          WHERE a.ms IS NOT NULL AND e->>'id' IS NOT NULL
          GROUP BY 1 ORDER BY n DESC, id LIMIT 20) t),
  'uncited', (SELECT count(*) FROM asked
              WHERE ms IS NOT NULL AND coalesce(jsonb_array_length(citations), 0) = 0)
) AS result`;

// The questions the bots could not answer (see `definitions.ts`): texts of the shopper messages of the range whose
// reply was low-confidence or never showed text, grouped by their lower-case text; `questions.ts` clusters them.
const QUESTIONS_SQL = `
SELECT json_build_object('questions', coalesce(json_agg(json_build_array(text, n, last_at) ORDER BY n DESC, text), '[]'::json))
  AS result
FROM (
  SELECT lower(s.text) AS text, count(*) AS n, max(s.created_at) AS last_at
  FROM messages s
  LEFT JOIN LATERAL (
    SELECT min(a.first_token_at) AS first_token_at, count(*) AS replies,
           bool_or(a.annotations @> ${LOW_CONFIDENCE_SQL}) AS low
    FROM messages a WHERE a.reply_to = s.id AND a.author = 'agent'
  ) r ON true
  WHERE s.author = 'shopper' AND s.created_at >= $1::timestamptz AND s.created_at < $2::timestamptz
    AND (r.first_token_at IS NULL OR r.low)
    -- a message a person holds has no reply at all: not the bots' to answer.
    AND (r.replies > 0 OR NOT EXISTS (
      SELECT 1 FROM conversations c WHERE c.id = s.conversation_id AND c.handoff_at <= s.created_at))
  GROUP BY 1 ORDER BY n DESC, 1 LIMIT $3::int
) q`;

const CONVERSATIONS_SQL = `
WITH conv AS MATERIALIZED (
  SELECT floor(extract(epoch FROM (c.created_at - $1::timestamptz)) * 1000 / $3::float8)::int AS bucket,
         c.locale, c.closed_at, c.last_activity_at, c.handoff_state IS NOT NULL AS handed,
         f.first_asked, f.first_answered, f.last_id,
         (SELECT min(a.first_token_at) FROM messages a
          WHERE a.reply_to = f.last_id AND a.author = 'agent') AS last_answered
  FROM conversations c
  LEFT JOIN LATERAL (
    SELECT min(m.created_at) FILTER (WHERE m.author = 'shopper') AS first_asked,
           min(m.first_token_at) FILTER (WHERE m.author = 'agent') AS first_answered,
           (array_agg(m.id ORDER BY m.created_at DESC, m.seq DESC) FILTER (WHERE m.author = 'shopper'))[1] AS last_id
    FROM messages m WHERE m.conversation_id = c.id
      AND NOT (m.author = 'shopper' AND c.handoff_at IS NOT NULL AND m.created_at >= c.handoff_at
               AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.reply_to = m.id AND a.author = 'agent'))
  ) f ON true
  WHERE c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz
),
judged AS (
  SELECT bucket, locale, handed, first_asked, first_answered, last_id IS NOT NULL AS asked, last_answered,
         CASE WHEN closed_at IS NOT NULL THEN 'closed'
              WHEN last_activity_at <= $5::timestamptz - $4::float8 * interval '1 millisecond' THEN 'idle'
              ELSE 'active' END AS left_by,
         coalesce(closed_at, CASE WHEN last_activity_at <= $5::timestamptz - $4::float8 * interval '1 millisecond'
                                  THEN last_activity_at + $4::float8 * interval '1 millisecond' END) AS left_at
  FROM conv
),
scored AS (
  SELECT bucket, locale, asked, left_by, handed,
         asked AND left_by <> 'active' AS ended,
         asked AND left_by <> 'active' AND (last_answered IS NULL OR last_answered > left_at) AS abandoned,
         CASE WHEN first_answered >= first_asked
              THEN extract(epoch FROM (first_answered - first_asked)) * 1000 END AS first_ms
  FROM judged
)
SELECT json_build_object(
  'total', (SELECT count(*) FROM scored),
  'asked', (SELECT count(*) FILTER (WHERE asked) FROM scored),
  'closed', (SELECT count(*) FILTER (WHERE asked AND left_by = 'closed') FROM scored),
  'idle', (SELECT count(*) FILTER (WHERE asked AND left_by = 'idle') FROM scored),
  'ended', (SELECT count(*) FILTER (WHERE ended) FROM scored),
  'abandoned', (SELECT count(*) FILTER (WHERE abandoned) FROM scored),
  'botResolved', (SELECT count(*) FILTER (WHERE ended AND NOT abandoned AND NOT handed) FROM scored),
  'p', (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY first_ms) FROM scored),
  'buckets', (SELECT coalesce(json_agg(json_build_array(bucket, n, ended, abandoned, p50) ORDER BY bucket), '[]'::json)
    FROM (SELECT bucket, count(*) AS n, count(*) FILTER (WHERE ended) AS ended,
                 count(*) FILTER (WHERE abandoned) AS abandoned,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY first_ms) AS p50
          FROM scored GROUP BY bucket) b),
  'locales', (SELECT coalesce(json_agg(json_build_array(locale, n) ORDER BY n DESC, locale), '[]'::json)
    FROM (SELECT locale, count(*) AS n FROM scored GROUP BY locale) l)
) AS result`;

const AGENTS_SQL = `
SELECT json_build_object(
  'agents', coalesce(json_agg(json_build_array(agent, tasks, failures, timeouts, latency, first_event) ORDER BY agent),
                     '[]'::json)
) AS result
FROM (
  SELECT agent, count(*) AS tasks,
         count(*) FILTER (WHERE outcome IS DISTINCT FROM 'completed') AS failures,
         count(*) FILTER (WHERE outcome = 'timeout') AS timeouts,
         percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM (ended_at - started_at)) * 1000)
           AS latency,
         percentile_cont(ARRAY[0.5, 0.95])
           WITHIN GROUP (ORDER BY extract(epoch FROM (first_event_at - started_at)) * 1000) AS first_event
  FROM agent_tasks
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz
  GROUP BY agent
) t`;

const HANDOFF_OFFERS_SQL = `
SELECT json_build_object('handoffs', count(*)) AS result FROM messages
WHERE author = 'agent' AND handoff_reason IS NOT NULL
  AND created_at >= $1::timestamptz AND created_at < $2::timestamptz`;

// The human desk (see `definitions.ts`): handoffs by `handoff_at` in the range, their `handoff` events since that
// handoff began (an earlier handoff of the same conversation is left out), and ratings by `created_at`.
const DESK_SQL = `
WITH handed AS MATERIALIZED (
  SELECT c.handoff_state AS state,
         CASE WHEN c.handoff_reason IN (${HANDOFF_REASONS.map((r) => `'${r}'`).join(', ')})
              THEN c.handoff_reason ELSE 'other' END AS reason,
         c.closed_at IS NOT NULL
           OR c.last_activity_at <= $4::timestamptz - $3::float8 * interval '1 millisecond' AS left_chat,
         e.waiting_since, e.assigned_at,
         (SELECT min(m.created_at) FROM messages m
          WHERE m.conversation_id = c.id AND m.author = 'operator' AND m.created_at >= e.assigned_at) AS answered_at
  FROM conversations c
  LEFT JOIN LATERAL (
    SELECT coalesce(min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'queued'),
                    min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'requested')) AS waiting_since,
           min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'assigned') AS assigned_at
    FROM conversation_events ev
    WHERE ev.conversation_id = c.id AND ev.kind = 'handoff' AND ev.created_at >= c.handoff_at
  ) e ON true
  WHERE c.handoff_at >= $1::timestamptz AND c.handoff_at < $2::timestamptz AND c.handoff_state IS NOT NULL
),
scored AS (
  SELECT state, reason,
         extract(epoch FROM (assigned_at - waiting_since)) * 1000 AS wait_ms,
         extract(epoch FROM (answered_at - assigned_at)) * 1000 AS first_ms,
         state IN ('requested', 'queued') AND NOT left_chat AS waiting,
         (state = 'abandoned' AND assigned_at IS NULL) OR (state IN ('requested', 'queued') AND left_chat)
           AS abandoned,
         state IN ('resolved', 'returned_to_bot', 'offline', 'abandoned') OR left_chat AS settled
  FROM handed WHERE state <> 'failed'
),
rated AS (
  SELECT resolved_by, score FROM conversation_ratings
  WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz
)
SELECT json_build_object(
  'handoffs', (SELECT count(*) FROM scored),
  'failed', (SELECT count(*) FILTER (WHERE state = 'failed') FROM handed),
  'reasons', (SELECT coalesce(json_agg(json_build_array(reason, n)), '[]'::json)
    FROM (SELECT reason, count(*) AS n FROM scored GROUP BY reason) r),
  'assigned', (SELECT count(wait_ms) FROM scored),
  'waiting', (SELECT count(*) FILTER (WHERE waiting) FROM scored),
  'wait', (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY wait_ms) FROM scored),
  'answered', (SELECT count(first_ms) FROM scored),
  'first', (SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY first_ms) FROM scored),
  'abandoned', (SELECT count(*) FILTER (WHERE abandoned) FROM scored),
  'settled', (SELECT count(*) FILTER (WHERE settled) FROM scored),
  'resolved', (SELECT count(*) FILTER (WHERE state = 'resolved') FROM scored),
  'ratings', (SELECT coalesce(json_agg(json_build_array(resolved_by, n, total)), '[]'::json)
    FROM (SELECT resolved_by, count(*) AS n, sum(score) AS total FROM rated GROUP BY resolved_by) g)
) AS result`;

const count = z.coerce.number().int().nonnegative();
const maybeMs = z.coerce.number().nullable();
const pair = z.array(maybeMs).nullable();

const messagesResult = z.object({
  shopper: count,
  answered: count,
  notFound: count,
  p: pair,
  buckets: z.array(z.tuple([z.number().int(), count, count, pair, count, count, count, count])),
  histogram: z.array(z.tuple([z.number().int(), count])),
  topics: z.array(z.tuple([z.string(), z.string().nullable(), count])),
  uncited: count,
});
const questionsResult = z.object({ questions: z.array(z.tuple([z.string(), count, z.string()])) });
const conversationsResult = z.object({
  total: count,
  asked: count,
  closed: count,
  idle: count,
  ended: count,
  abandoned: count,
  botResolved: count,
  p: pair,
  buckets: z.array(z.tuple([z.number().int(), count, count, count, maybeMs])),
  locales: z.array(z.tuple([z.string(), count])),
});
const agentsResult = z.object({
  agents: z.array(z.tuple([z.string(), count, count, count, pair, pair])),
});
const handoffOffersResult = z.object({ handoffs: count });
const deskResult = z.object({
  handoffs: count,
  failed: count,
  reasons: z.array(z.tuple([z.string(), count])),
  assigned: count,
  waiting: count,
  wait: pair,
  answered: count,
  first: pair,
  abandoned: count,
  settled: count,
  resolved: count,
  ratings: z.array(z.tuple([z.enum(['bot', 'human']), count, count])),
});

// Distinct question texts read for the clusters (the most asked first), and clusters reported.
const QUESTION_TEXTS = 2000;
const TOP_QUESTIONS = 20;

const round = (ms: number | null | undefined) => (ms == null ? null : Math.round(ms * 10) / 10);
const percentiles = (p: Array<number | null> | null): Percentiles => ({
  p50: round(p?.[0]),
  p95: round(p?.[1]),
  p99: round(p?.[2]),
});
const quantiles = (p: Array<number | null> | null): Quantiles => ({ p50: round(p?.[0]), p95: round(p?.[1]) });
const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const share = (part: number, whole: number): Share => ({ count: part, of: whole, rate: rate(part, whole) });
const csat = (n: number, total: number): Csat => ({
  average: n === 0 ? null : Math.round((total / n) * 100) / 100,
  count: n,
});

/** The desk's figures from the `desk` statement and the `conversations` one (for the rates' denominators). */
function deskFigures(
  desk: z.infer<typeof deskResult>,
  conversations: z.infer<typeof conversationsResult>,
): DeskFigures {
  const byReason = Object.fromEntries(HANDOFF_REASONS.map((reason) => [reason, 0])) as Record<
    HandoffReason,
    number
  >;
  for (const [reason, n] of desk.reasons) {
    const known = (HANDOFF_REASONS as readonly string[]).includes(reason)
      ? (reason as HandoffReason)
      : 'other';
    byReason[known] += n;
  }
  const ratings = { bot: { n: 0, total: 0 }, human: { n: 0, total: 0 } };
  for (const [by, n, total] of desk.ratings) ratings[by] = { n, total };
  return {
    handoffs: desk.handoffs,
    failedHandoffs: desk.failed,
    handoffRate: rate(desk.handoffs, conversations.asked),
    byReason,
    queueWaitMs: quantiles(desk.wait),
    assigned: desk.assigned,
    waiting: desk.waiting,
    humanFirstResponseMs: quantiles(desk.first),
    humanAnswered: desk.answered,
    botResolution: share(conversations.botResolved, conversations.ended),
    abandonedWaiting: share(desk.abandoned, desk.settled),
    humanResolution: share(desk.resolved, desk.settled),
    csat: {
      ...csat(ratings.bot.n + ratings.human.n, ratings.bot.total + ratings.human.total),
      byResolvedBy: {
        bot: csat(ratings.bot.n, ratings.bot.total),
        human: csat(ratings.human.n, ratings.human.total),
      },
    },
  };
}

/** Creates the metrics queries over a migrated chat-log database; works the same on PGlite and PostgreSQL. */
export function createMetricsQueries(options: MetricsQueriesOptions): MetricsQueries {
  const { sql, now = () => new Date() } = options;

  function plan(request: SummaryRequest, at: Date) {
    const { from, to } = request;
    if (!(to.getTime() > from.getTime())) throw new RangeError('the range must end after it starts');
    const idleMs = request.idleMs ?? DEFAULT_IDLE_MS;
    const bucketMs = bucketWidthMs(to.getTime() - from.getTime(), request.buckets ?? 48);
    const range = [from.toISOString(), to.toISOString()];
    return { idleMs, bucketMs, range, at };
  }

  function statementsFor(request: SummaryRequest, at: Date): SummaryStatement[] {
    const { idleMs, bucketMs, range } = plan(request, at);
    return [
      { name: 'messages', text: MESSAGES_SQL, params: [...range, bucketMs, HISTOGRAM_BOUNDS_MS] },
      {
        name: 'conversations',
        text: CONVERSATIONS_SQL,
        params: [...range, bucketMs, idleMs, at.toISOString()],
      },
      { name: 'agents', text: AGENTS_SQL, params: range },
      { name: 'handoffOffers', text: HANDOFF_OFFERS_SQL, params: range },
      { name: 'desk', text: DESK_SQL, params: [...range, idleMs, at.toISOString()] },
      { name: 'questions', text: QUESTIONS_SQL, params: [...range, QUESTION_TEXTS] },
    ];
  }

  /** Runs `statements` one after the other (a PGlite client runs one at a time anyway; a pool is left to others). */
  async function run(statements: SummaryStatement[]): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const statement of statements) {
      const rows = await sql.query<{ result: unknown }>(statement.text, statement.params);
      results[statement.name] = rows[0]?.result;
    }
    return results;
  }

  return {
    statements: async (request) => statementsFor(request, now()),
    conversations: createConversationQueries({ sql, now }),

    async desk(request) {
      const wanted = new Set(['conversations', 'desk']);
      const results = await run(statementsFor(request, now()).filter((s) => wanted.has(s.name)));
      return deskFigures(deskResult.parse(results.desk), conversationsResult.parse(results.conversations));
    },

    async summary(request) {
      const at = now();
      const { idleMs, bucketMs } = plan(request, at);
      const results = await run(statementsFor(request, at));
      const messages = messagesResult.parse(results.messages);
      const conversations = conversationsResult.parse(results.conversations);
      const agents = agentsResult.parse(results.agents);
      const handoffOffers = handoffOffersResult.parse(results.handoffOffers).handoffs;
      const desk = deskFigures(deskResult.parse(results.desk), conversations);
      const questions = questionsResult.parse(results.questions).questions;
      const fromMs = request.from.getTime();
      const bucketCount = Math.max(1, Math.ceil((request.to.getTime() - fromMs) / bucketMs));
      const series: SeriesPoint[] = Array.from({ length: bucketCount }, (_, i) => ({
        start: new Date(fromMs + i * bucketMs).toISOString(),
        messages: 0,
        answered: 0,
        notFound: 0,
        p50: null,
        p95: null,
        sentiment: { negative: 0, neutral: 0, positive: 0 },
        conversations: 0,
        ended: 0,
        abandoned: 0,
        abandonmentRate: null,
        conversationP50: null,
      }));
      const sentiment: SentimentCounts = { negative: 0, neutral: 0, positive: 0 };
      for (const [bucket, n, answered, p, notFound, negative, neutral, positive] of messages.buckets) {
        sentiment.negative += negative;
        sentiment.neutral += neutral;
        sentiment.positive += positive;
        const point = series[bucket];
        if (!point) continue;
        Object.assign(point, {
          messages: n,
          answered,
          notFound,
          p50: round(p?.[0]),
          p95: round(p?.[1]),
          sentiment: { negative, neutral, positive },
        });
      }
      for (const [bucket, n, ended, abandoned, p50] of conversations.buckets) {
        const point = series[bucket];
        if (!point) continue;
        Object.assign(point, {
          conversations: n,
          ended,
          abandoned,
          abandonmentRate: rate(abandoned, ended),
          conversationP50: round(p50),
        });
      }
      const bins = new Map(messages.histogram);
      const histogram: HistogramBin[] = [0, ...HISTOGRAM_BOUNDS_MS].map((lower, i) => ({
        fromMs: lower,
        toMs: HISTOGRAM_BOUNDS_MS[i] ?? null,
        count: bins.get(i) ?? 0,
      }));

      return {
        range: {
          from: request.from.toISOString(),
          to: request.to.toISOString(),
          idleMs,
          bucketMs,
          generatedAt: at.toISOString(),
        },
        messages: {
          shopper: messages.shopper,
          answered: messages.answered,
          notFound: messages.notFound,
          unanswered: messages.shopper - messages.answered,
          firstResponseMs: percentiles(messages.p),
        },
        conversations: {
          total: conversations.total,
          withShopperMessage: conversations.asked,
          ended: conversations.ended,
          closed: conversations.closed,
          idle: conversations.idle,
          active: conversations.asked - conversations.ended,
          abandoned: conversations.abandoned,
          abandonmentRate: rate(conversations.abandoned, conversations.ended),
          firstResponseMs: percentiles(conversations.p),
          byLocale: conversations.locales.map(([locale, n]) => ({ locale, count: n })),
        },
        topics: {
          entries: messages.topics.map(([id, title, n]) => ({ id, title: title ?? id, count: n })),
          uncited: messages.uncited,
        },
        sentiment,
        unansweredQuestions: clusterQuestions(
          questions.map(([text, n, lastAt]) => ({ text, count: n, lastAt: new Date(lastAt).toISOString() })),
        ).slice(0, TOP_QUESTIONS),
        handoffOffers,
        desk,
        agents: agents.agents.map(([agent, tasks, failures, timeouts, latency, firstEvent]) => ({
          agent,
          tasks,
          failures,
          timeouts,
          latencyMs: { p50: round(latency?.[0]), p95: round(latency?.[1]) },
          firstEventMs: { p50: round(firstEvent?.[0]), p95: round(firstEvent?.[1]) },
        })),
        series,
        histogram,
      };
    },
  };
}
