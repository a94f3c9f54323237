import { z } from 'zod';
import type { SqlClient } from '../store/index.js';
import { DEFAULT_IDLE_MS, type LeftBy, LOW_CONFIDENCE_SQL } from './definitions.js';

/**
 * One conversation with its figures, as the dashboard's list and the CSV export show it. Every figure follows
 * `definitions.ts` on this one conversation, so the rows of a range add up to the summary's `conversations`
 * figures of the same range (both take conversations by their `created_at`); `handedOff` is by conversation,
 * while the summary's `desk.handoffs` counts handoffs by their `handoff_at`.
 */
export interface ConversationRow {
  id: string;
  createdAt: string;
  locale: string;
  /** The shopper's role (`guest`, `customer`, `premium`). */
  role: string;
  /** Shopper messages the bots were to answer (a message a person holds is left out, as in the summary). */
  shopperMessages: number;
  answered: number;
  /** Of `answered`, the low-confidence replies. */
  notFound: number;
  unanswered: number;
  /** First shopper message to the first agent text; null when none showed. */
  firstResponseMs: number | null;
  leftBy: LeftBy | null;
  abandoned: boolean;
  /** Handed to the desk (its latest handoff not `failed`). */
  handedOff: boolean;
  handoffReason: string | null;
  handoffState: string | null;
  /** Queue wait of its latest handoff (first `queued`, else `requested`, to `assigned`). */
  timeToHumanMs: number | null;
  rating: number | null;
  resolvedBy: 'bot' | 'human' | null;
  /** Title of the FAQ entry the first citing reply cited first. */
  topic: string | null;
  /** The tone of the shopper's latest message the sentiment agent read. */
  sentiment: string | null;
  closedAt: string | null;
  lastActivityAt: string;
}

/** One message of a transcript. */
export interface TranscriptMessage {
  id: string;
  author: 'shopper' | 'agent' | 'operator' | 'system';
  text: string;
  createdAt: string;
  status: string;
  replyTo: string | null;
  firstTokenAt: string | null;
  /** The agents that wrote it; for an operator's message, the operator's name. */
  agents: string[];
  citations: Array<{ id: string; title: string }>;
  confidence: 'high' | 'middle' | 'low' | null;
  sentiment: string | null;
  errorCode: string | null;
}

/** The answer of `GET /api/metrics/conversations/:id`. */
export interface Transcript {
  conversation: ConversationRow;
  messages: TranscriptMessage[];
  /** The conversation's handoff changes, oldest first. */
  handoff: Array<{ state: string; at: string }>;
  rating: { score: number; comment: string | null; resolvedBy: 'bot' | 'human'; createdAt: string } | null;
}

/** Filters of {@link ConversationQueries.list}; a filter left out does not filter. */
export interface ConversationFilter {
  from: Date;
  to: Date;
  idleMs?: number;
  locale?: string;
  handedOff?: boolean;
  rated?: boolean;
  abandoned?: boolean;
  /** Rows older than this one (the `next` of the previous page). */
  before?: { createdAt: Date; id: string };
  /** At most this many rows (default 50). */
  limit?: number;
}

/** A page of conversations, newest first; `next` continues it. */
export interface ConversationPage {
  conversations: ConversationRow[];
  next: { createdAt: string; id: string } | null;
}

/** Read-only queries over single conversations for the dashboard (list, transcript, export). */
export interface ConversationQueries {
  list(filter: ConversationFilter): Promise<ConversationPage>;
  /** Every conversation of the range, oldest first (for the CSV export). */
  rows(request: { from: Date; to: Date; idleMs?: number }): Promise<ConversationRow[]>;
  /** The conversation and its messages; undefined when the id is unknown or malformed. */
  transcript(id: string, options?: { idleMs?: number }): Promise<Transcript | undefined>;
  /** The list statement for `filter`, so tests can EXPLAIN it. */
  listStatement(filter: ConversationFilter): { text: string; params: unknown[] };
}

const SENTIMENT_LABEL = `jsonb_path_query_first(m.annotations, '$[*] ? (@.kind == "sentiment").data.label') #>> '{}'`;

// $1 from, $2 to, $3 idle ms, $4 now, $5 locale, $6 handed off, $7 rated, $8 abandoned, $9/$10 before (time, id),
// $11 one conversation's id, $12 limit. The held-message rule and the abandonment rule are those of `summary.ts`.
const rowsSql = (order: 'ASC' | 'DESC') => `
SELECT * FROM (
  SELECT c.id, c.created_at, c.locale, c.role, c.closed_at, c.last_activity_at,
         c.handoff_state, c.handoff_reason,
         c.handoff_state IS NOT NULL AND c.handoff_state <> 'failed' AS handed_off,
         f.asked, f.answered, f.not_found, f.sentiment, f.topic,
         CASE WHEN f.first_answered >= f.first_asked
              THEN extract(epoch FROM (f.first_answered - f.first_asked)) * 1000 END AS first_ms,
         CASE WHEN f.asked = 0 THEN NULL
              WHEN c.closed_at IS NOT NULL THEN 'closed'
              WHEN c.last_activity_at <= $4::timestamptz - $3::float8 * interval '1 millisecond' THEN 'idle'
              ELSE 'active' END AS left_by,
         f.asked > 0 AND coalesce(c.closed_at,
             CASE WHEN c.last_activity_at <= $4::timestamptz - $3::float8 * interval '1 millisecond'
                  THEN c.last_activity_at + $3::float8 * interval '1 millisecond' END) IS NOT NULL
           AND (l.first_token_at IS NULL OR l.first_token_at > coalesce(c.closed_at,
                  c.last_activity_at + $3::float8 * interval '1 millisecond')) AS abandoned,
         extract(epoch FROM (e.assigned_at - e.waiting_since)) * 1000 AS wait_ms,
         rt.score, rt.resolved_by
  FROM conversations c
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE m.author = 'shopper') AS asked,
           count(DISTINCT m.reply_to) FILTER (WHERE m.author = 'agent' AND m.first_token_at IS NOT NULL) AS answered,
           count(DISTINCT m.reply_to) FILTER (WHERE m.author = 'agent' AND m.first_token_at IS NOT NULL
                                              AND m.annotations @> ${LOW_CONFIDENCE_SQL}) AS not_found,
           min(m.created_at) FILTER (WHERE m.author = 'shopper') AS first_asked,
           min(m.first_token_at) FILTER (WHERE m.author = 'agent') AS first_answered,
           (array_agg(m.id ORDER BY m.created_at DESC, m.seq DESC) FILTER (WHERE m.author = 'shopper'))[1] AS last_id,
           (array_agg(${SENTIMENT_LABEL} ORDER BY m.created_at DESC, m.seq DESC)
              FILTER (WHERE m.author = 'agent' AND ${SENTIMENT_LABEL} IS NOT NULL))[1] AS sentiment,
           (array_agg(m.citations->0->>'title' ORDER BY m.created_at, m.seq)
              FILTER (WHERE m.author = 'agent' AND m.citations->0->>'title' IS NOT NULL))[1] AS topic
    FROM messages m WHERE m.conversation_id = c.id
      AND NOT (m.author = 'shopper' AND c.handoff_at IS NOT NULL AND m.created_at >= c.handoff_at
               AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.reply_to = m.id AND a.author = 'agent'))
  ) f ON true
  LEFT JOIN LATERAL (
    SELECT min(a.first_token_at) AS first_token_at FROM messages a WHERE a.reply_to = f.last_id AND a.author = 'agent'
  ) l ON true
  LEFT JOIN LATERAL (
    SELECT coalesce(min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'queued'),
                    min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'requested')) AS waiting_since,
           min(ev.created_at) FILTER (WHERE ev.data->>'state' = 'assigned') AS assigned_at
    FROM conversation_events ev
    WHERE c.handoff_at IS NOT NULL AND ev.conversation_id = c.id AND ev.kind = 'handoff'
      AND ev.created_at >= c.handoff_at
  ) e ON true
  LEFT JOIN conversation_ratings rt ON rt.conversation_id = c.id
  WHERE ($11::uuid IS NOT NULL AND c.id = $11::uuid)
     OR ($11::uuid IS NULL AND c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz
         AND ($9::timestamptz IS NULL OR (c.created_at, c.id) < ($9::timestamptz, $10::uuid)))
) r
WHERE ($5::text IS NULL OR locale = $5::text)
  AND ($6::boolean IS NULL OR handed_off = $6::boolean)
  AND ($7::boolean IS NULL OR (score IS NOT NULL) = $7::boolean)
  AND ($8::boolean IS NULL OR abandoned = $8::boolean)
ORDER BY created_at ${order}, id ${order}
LIMIT $12::int`;

const LIST_SQL = rowsSql('DESC');
const EXPORT_SQL = rowsSql('ASC');

const MESSAGES_SQL = `
SELECT id, author, text, created_at, status, reply_to, first_token_at, agents, citations, annotations, error_code
FROM messages WHERE conversation_id = $1::uuid ORDER BY created_at, seq LIMIT 1000`;
const HANDOFF_SQL = `
SELECT data->>'state' AS state, created_at FROM conversation_events
WHERE conversation_id = $1::uuid AND kind = 'handoff' ORDER BY id`;
const RATING_SQL = `
SELECT score, comment, resolved_by, created_at FROM conversation_ratings WHERE conversation_id = $1::uuid`;

const time = z.union([z.date(), z.string()]).transform((value) => new Date(value).toISOString());
const count = z.coerce.number().int().nonnegative();
const rowSchema = z.object({
  id: z.string(),
  created_at: time,
  locale: z.string(),
  role: z.string(),
  closed_at: time.nullable(),
  last_activity_at: time,
  handoff_state: z.string().nullable(),
  handoff_reason: z.string().nullable(),
  handed_off: z.boolean(),
  asked: count,
  answered: count,
  not_found: count,
  sentiment: z.string().nullable(),
  topic: z.string().nullable(),
  first_ms: z.coerce.number().nullable(),
  left_by: z.enum(['closed', 'idle', 'active']).nullable(),
  abandoned: z.boolean(),
  wait_ms: z.coerce.number().nullable(),
  score: z.coerce.number().int().nullable(),
  resolved_by: z.enum(['bot', 'human']).nullable(),
});
const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);

function toRow(raw: unknown): ConversationRow {
  const r = rowSchema.parse(raw);
  return {
    id: r.id,
    createdAt: r.created_at,
    locale: r.locale,
    role: r.role,
    shopperMessages: r.asked,
    answered: r.answered,
    notFound: r.not_found,
    unanswered: r.asked - r.answered,
    firstResponseMs: round(r.first_ms),
    leftBy: r.left_by,
    abandoned: r.abandoned,
    handedOff: r.handed_off,
    handoffReason: r.handoff_reason,
    handoffState: r.handoff_state,
    timeToHumanMs: round(r.wait_ms),
    rating: r.score,
    resolvedBy: r.resolved_by,
    topic: r.topic,
    sentiment: r.sentiment,
    closedAt: r.closed_at,
    lastActivityAt: r.last_activity_at,
  };
}

const annotationSchema = z.object({ kind: z.string(), data: z.unknown() });
const messageSchema = z.object({
  id: z.string(),
  author: z.enum(['shopper', 'agent', 'operator', 'system']),
  text: z.string(),
  created_at: time,
  status: z.string(),
  reply_to: z.string().nullable(),
  first_token_at: time.nullable(),
  agents: z.array(z.string()),
  citations: z.unknown(),
  annotations: z.unknown(),
  error_code: z.string().nullable(),
});
const citationsSchema = z.array(z.object({ id: z.string(), title: z.string() })).catch([]);
const annotationsSchema = z.array(annotationSchema).catch([]);
const confidenceSchema = z.object({ level: z.enum(['high', 'middle', 'low']) });
const sentimentSchema = z.object({ label: z.string() });

function toMessage(raw: unknown): TranscriptMessage {
  const m = messageSchema.parse(raw);
  const annotations = annotationsSchema.parse(m.annotations);
  const data = (kind: string) => annotations.find((a) => a.kind === kind)?.data;
  return {
    id: m.id,
    author: m.author,
    text: m.text,
    createdAt: m.created_at,
    status: m.status,
    replyTo: m.reply_to,
    firstTokenAt: m.first_token_at,
    agents: m.agents,
    citations: citationsSchema.parse(m.citations),
    confidence: confidenceSchema.safeParse(data('confidence')).data?.level ?? null,
    sentiment: sentimentSchema.safeParse(data('sentiment')).data?.label ?? null,
    errorCode: m.error_code,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates the per-conversation queries over a migrated chat-log database (PGlite or PostgreSQL). */
export function createConversationQueries(options: {
  sql: SqlClient;
  now?: () => Date;
}): ConversationQueries {
  const { sql, now = () => new Date() } = options;

  function params(filter: Partial<ConversationFilter> & { id?: string }, limit: number | null): unknown[] {
    return [
      filter.from?.toISOString() ?? null,
      filter.to?.toISOString() ?? null,
      filter.idleMs ?? DEFAULT_IDLE_MS,
      now().toISOString(),
      filter.locale ?? null,
      filter.handedOff ?? null,
      filter.rated ?? null,
      filter.abandoned ?? null,
      filter.before?.createdAt.toISOString() ?? null,
      filter.before?.id ?? null,
      filter.id ?? null,
      limit,
    ];
  }

  const listStatement = (filter: ConversationFilter) => ({
    text: LIST_SQL,
    params: params(filter, (filter.limit ?? 50) + 1),
  });

  return {
    listStatement,

    async list(filter) {
      const limit = filter.limit ?? 50;
      const { text, params: values } = listStatement(filter);
      const rows = (await sql.query(text, values)).map(toRow);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        conversations: page,
        next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
      };
    },

    async rows(request) {
      return (await sql.query(EXPORT_SQL, params(request, null))).map(toRow);
    },

    async transcript(id, options = {}) {
      if (!UUID.test(id)) return undefined;
      const [row] = await sql.query(LIST_SQL, params({ id, idleMs: options.idleMs }, 1));
      if (!row) return undefined;
      const messages = await sql.query(MESSAGES_SQL, [id]);
      const handoff = await sql.query<{ state: string; created_at: Date | string }>(HANDOFF_SQL, [id]);
      const [rating] = await sql.query<{
        score: number;
        comment: string | null;
        resolved_by: 'bot' | 'human';
        created_at: Date | string;
      }>(RATING_SQL, [id]);
      return {
        conversation: toRow(row),
        messages: messages.map(toMessage),
        handoff: handoff.map((h) => ({ state: h.state, at: new Date(h.created_at).toISOString() })),
        rating: rating
          ? {
              score: Number(rating.score),
              comment: rating.comment,
              resolvedBy: rating.resolved_by,
              createdAt: new Date(rating.created_at).toISOString(),
            }
          : null,
      };
    },
  };
}
