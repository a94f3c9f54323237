import { z } from 'zod';
import type { SqlClient } from '../store/index.js';
import { DEFAULT_IDLE_MS, HISTOGRAM_BOUNDS_MS } from './definitions.js';

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

/** One bucket of the time series: first-response time of the messages and abandonment of the conversations. */
export interface SeriesPoint {
  /** Start of the bucket (ISO 8601). */
  start: string;
  messages: number;
  answered: number;
  p50: number | null;
  p95: number | null;
  conversations: number;
  ended: number;
  abandoned: number;
  abandonmentRate: number | null;
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
  messages: { shopper: number; answered: number; unanswered: number; firstResponseMs: Percentiles };
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
  };
  /** Replies that offered a human operator; null while the chat log does not record them (migration 0003). */
  handoffs: number | null;
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
  name: 'messages' | 'conversations' | 'agents' | 'handoffs';
  text: string;
  params: unknown[];
}

/** Read-only queries over the chat log for the metrics API and the benchmark. */
export interface MetricsQueries {
  summary(request: SummaryRequest): Promise<MetricsSummary>;
  /** The statements `summary` runs for `request` (handoffs only when the column exists). */
  statements(request: SummaryRequest): Promise<SummaryStatement[]>;
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
  SELECT floor(extract(epoch FROM (s.created_at - $1::timestamptz)) * 1000 / $3::float8)::int AS bucket,
         extract(epoch FROM (r.first_token_at - s.created_at)) * 1000 AS ms
  FROM messages s
  LEFT JOIN LATERAL (
    SELECT min(a.first_token_at) AS first_token_at FROM messages a
    WHERE a.reply_to = s.id AND a.author = 'agent'
  ) r ON true
  WHERE s.author = 'shopper' AND s.created_at >= $1::timestamptz AND s.created_at < $2::timestamptz
)
SELECT json_build_object(
  'shopper', (SELECT count(*) FROM asked),
  'answered', (SELECT count(ms) FROM asked),
  'p', (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) FROM asked),
  'buckets', (SELECT coalesce(json_agg(json_build_array(bucket, n, answered, p) ORDER BY bucket), '[]'::json)
    FROM (SELECT bucket, count(*) AS n, count(ms) AS answered,
                 percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ms) AS p
          FROM asked GROUP BY bucket) b),
  'histogram', (SELECT coalesce(json_agg(json_build_array(bin, n) ORDER BY bin), '[]'::json)
    FROM (SELECT width_bucket(ms, $4::float8[]) AS bin, count(*) AS n
          FROM asked WHERE ms IS NOT NULL GROUP BY 1) h)
) AS result`;

const CONVERSATIONS_SQL = `
WITH conv AS MATERIALIZED (
  SELECT floor(extract(epoch FROM (c.created_at - $1::timestamptz)) * 1000 / $3::float8)::int AS bucket,
         c.closed_at, c.last_activity_at, f.first_asked, f.first_answered, f.last_id,
         (SELECT min(a.first_token_at) FROM messages a
          WHERE a.reply_to = f.last_id AND a.author = 'agent') AS last_answered
  FROM conversations c
  LEFT JOIN LATERAL (
    SELECT min(m.created_at) FILTER (WHERE m.author = 'shopper') AS first_asked,
           min(m.first_token_at) FILTER (WHERE m.author = 'agent') AS first_answered,
           (array_agg(m.id ORDER BY m.created_at DESC, m.seq DESC) FILTER (WHERE m.author = 'shopper'))[1] AS last_id
    FROM messages m WHERE m.conversation_id = c.id
  ) f ON true
  WHERE c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz
),
judged AS (
  SELECT bucket, first_asked, first_answered, last_id IS NOT NULL AS asked, last_answered,
         CASE WHEN closed_at IS NOT NULL THEN 'closed'
              WHEN last_activity_at <= $5::timestamptz - $4::float8 * interval '1 millisecond' THEN 'idle'
              ELSE 'active' END AS left_by,
         coalesce(closed_at, CASE WHEN last_activity_at <= $5::timestamptz - $4::float8 * interval '1 millisecond'
                                  THEN last_activity_at + $4::float8 * interval '1 millisecond' END) AS left_at
  FROM conv
),
scored AS (
  SELECT bucket, asked, left_by,
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
  'p', (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY first_ms) FROM scored),
  'buckets', (SELECT coalesce(json_agg(json_build_array(bucket, n, ended, abandoned) ORDER BY bucket), '[]'::json)
    FROM (SELECT bucket, count(*) AS n, count(*) FILTER (WHERE ended) AS ended,
                 count(*) FILTER (WHERE abandoned) AS abandoned
          FROM scored GROUP BY bucket) b)
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

const HANDOFFS_SQL = `
SELECT json_build_object('handoffs', count(*)) AS result FROM messages
WHERE author = 'agent' AND handoff_reason IS NOT NULL
  AND created_at >= $1::timestamptz AND created_at < $2::timestamptz`;

const count = z.coerce.number().int().nonnegative();
const maybeMs = z.coerce.number().nullable();
const pair = z.array(maybeMs).nullable();

const messagesResult = z.object({
  shopper: count,
  answered: count,
  p: pair,
  buckets: z.array(z.tuple([z.number().int(), count, count, pair])),
  histogram: z.array(z.tuple([z.number().int(), count])),
});
const conversationsResult = z.object({
  total: count,
  asked: count,
  closed: count,
  idle: count,
  ended: count,
  abandoned: count,
  p: pair,
  buckets: z.array(z.tuple([z.number().int(), count, count, count])),
});
const agentsResult = z.object({
  agents: z.array(z.tuple([z.string(), count, count, count, pair, pair])),
});
const handoffsResult = z.object({ handoffs: count });

const round = (ms: number | null | undefined) => (ms == null ? null : Math.round(ms * 10) / 10);
const percentiles = (p: Array<number | null> | null): Percentiles => ({
  p50: round(p?.[0]),
  p95: round(p?.[1]),
  p99: round(p?.[2]),
});
const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Creates the metrics queries over a chat-log database; works the same on PGlite and PostgreSQL. */
export function createMetricsQueries(options: MetricsQueriesOptions): MetricsQueries {
  const { sql, now = () => new Date() } = options;
  let hasHandoffColumn: Promise<boolean> | undefined;
  // Probed once (and again after a failed probe): migration 0003 adds the column while the process may run.
  const handoffColumn = () => {
    hasHandoffColumn ??= sql
      .query<{ found: unknown }>(
        `SELECT count(*) AS found FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'messages' AND column_name = 'handoff_reason'`,
      )
      .then((rows) => Number(rows[0]?.found ?? 0) > 0)
      .catch(() => {
        hasHandoffColumn = undefined;
        return false;
      });
    return hasHandoffColumn;
  };

  function plan(request: SummaryRequest, at: Date) {
    const { from, to } = request;
    if (!(to.getTime() > from.getTime())) throw new RangeError('the range must end after it starts');
    const idleMs = request.idleMs ?? DEFAULT_IDLE_MS;
    const bucketMs = bucketWidthMs(to.getTime() - from.getTime(), request.buckets ?? 48);
    const range = [from.toISOString(), to.toISOString()];
    return { idleMs, bucketMs, range, at };
  }

  async function statementsFor(request: SummaryRequest, at: Date): Promise<SummaryStatement[]> {
    const { idleMs, bucketMs, range } = plan(request, at);
    const list: SummaryStatement[] = [
      { name: 'messages', text: MESSAGES_SQL, params: [...range, bucketMs, HISTOGRAM_BOUNDS_MS] },
      {
        name: 'conversations',
        text: CONVERSATIONS_SQL,
        params: [...range, bucketMs, idleMs, at.toISOString()],
      },
      { name: 'agents', text: AGENTS_SQL, params: range },
    ];
    if (await handoffColumn()) list.push({ name: 'handoffs', text: HANDOFFS_SQL, params: range });
    return list;
  }

  return {
    statements: (request) => statementsFor(request, now()),

    async summary(request) {
      const at = now();
      const { idleMs, bucketMs } = plan(request, at);
      const statements = await statementsFor(request, at);
      // Sequential: a PGlite client runs one statement at a time anyway, and a pool is left to other requests.
      const results: Record<string, unknown> = {};
      for (const statement of statements) {
        const rows = await sql.query<{ result: unknown }>(statement.text, statement.params);
        results[statement.name] = rows[0]?.result;
      }
      const messages = messagesResult.parse(results.messages);
      const conversations = conversationsResult.parse(results.conversations);
      const agents = agentsResult.parse(results.agents);
      const handoffs =
        results.handoffs === undefined ? null : handoffsResult.parse(results.handoffs).handoffs;

      const fromMs = request.from.getTime();
      const bucketCount = Math.max(1, Math.ceil((request.to.getTime() - fromMs) / bucketMs));
      const series: SeriesPoint[] = Array.from({ length: bucketCount }, (_, i) => ({
        start: new Date(fromMs + i * bucketMs).toISOString(),
        messages: 0,
        answered: 0,
        p50: null,
        p95: null,
        conversations: 0,
        ended: 0,
        abandoned: 0,
        abandonmentRate: null,
      }));
      for (const [bucket, n, answered, p] of messages.buckets) {
        const point = series[bucket];
        if (!point) continue;
        Object.assign(point, { messages: n, answered, p50: round(p?.[0]), p95: round(p?.[1]) });
      }
      for (const [bucket, n, ended, abandoned] of conversations.buckets) {
        const point = series[bucket];
        if (!point) continue;
        Object.assign(point, { conversations: n, ended, abandoned, abandonmentRate: rate(abandoned, ended) });
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
        },
        handoffs,
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
