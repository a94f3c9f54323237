import { randomUUID } from 'node:crypto';
import type { ConversationEvent, HandoffEventData, NewConversationEvent } from '../chat/contract.js';
import { appendEventsCte, eventsParam, isUuid, notifySql, numbered } from './chat-log.js';
import type { EventHub } from './event-hub.js';
import type { SqlClient } from './sql.js';

/** Handoff states in which a person (or the queue) holds the conversation and the bots stay silent. */
export const OPEN_HANDOFF_STATES = ['requested', 'queued', 'assigned'] as const;
const OPEN = `('requested', 'queued', 'assigned')`;

/** A conversation's handoff to the human desk, as the orchestrator remembers it. */
export interface HandoffRecord {
  conversationId: string;
  subject: string;
  role: string;
  locale: string;
  state: HandoffEventData['state'];
  reason: string | null;
  /** The desk's task, once it answered; null while the request is on its way. */
  taskId: string | null;
  /** The desk's base URL. */
  agent: string | null;
  at: Date | null;
  closed: boolean;
}

/** A stored shopper message of a conversation a person holds, with its `message` event. */
export interface HeldMessage {
  messageId: string;
  events: ConversationEvent[];
  handoff: HandoffRecord;
}

/** The orchestrator's side of handoffs: their state per conversation, operator messages, ratings. */
export interface HandoffLog {
  /**
   * Marks the conversation handed to the desk (`requested`) and appends that `handoff` event, unless a handoff is
   * already open or the conversation is closed or not the subject's: then returns undefined.
   */
  request(input: {
    conversationId: string;
    subject: string;
    reason: string;
    agent: string;
  }): Promise<HandoffRecord | undefined>;
  /** Remembers the desk's task of an open handoff. */
  setTask(conversationId: string, taskId: string): Promise<void>;
  /**
   * Records where the handoff is and appends a `handoff` event, once per change: a replica that saw the same update
   * already (state and position unchanged) appends nothing. Returns the events appended.
   */
  update(conversationId: string, data: HandoffEventData): Promise<ConversationEvent[]>;
  /** Stores an operator's message under the desk's id, once however often it is replayed; returns the events. */
  operatorMessage(input: {
    conversationId: string;
    messageId: string;
    text: string;
    operator: { id: string; name: string };
    at: Date;
  }): Promise<ConversationEvent[]>;
  /**
   * Stores a shopper's message in a conversation a person holds (durable before it is delivered); undefined when no
   * handoff is open there (the bots answer it instead) or the conversation is not the subject's.
   */
  heldMessage(input: {
    conversationId: string;
    subject: string;
    text: string;
    correlationId: string;
  }): Promise<HeldMessage | undefined>;
  /** Appends an ephemeral event (someone typing) to an open conversation. */
  typing(conversationId: string, data: { role: 'shopper' | 'operator'; name?: string }): Promise<void>;
  get(conversationId: string): Promise<HandoffRecord | undefined>;
  /** Open handoffs whose desk task is known, for following them again after a restart. */
  listOpen(): Promise<HandoffRecord[]>;
  /**
   * Stores the conversation's one rating; `already_rated` when it has one, `not_resolved` while it is neither
   * resolved by a person, given back to the bot, nor closed.
   */
  rate(input: {
    conversationId: string;
    subject: string;
    score: number;
    comment?: string;
  }): Promise<'stored' | 'already_rated' | 'not_resolved' | 'not_found'>;
}

const HANDOFF_COLUMNS = `id, subject, role, locale, handoff_state, handoff_reason, handoff_task_id, handoff_agent,
  handoff_at, closed_at`;

function handoffRow(row: Record<string, unknown>): HandoffRecord {
  return {
    conversationId: String(row.id),
    subject: String(row.subject),
    role: String(row.role),
    locale: String(row.locale),
    state: row.handoff_state as HandoffRecord['state'],
    reason: (row.handoff_reason as string | null) ?? null,
    taskId: (row.handoff_task_id as string | null) ?? null,
    agent: (row.handoff_agent as string | null) ?? null,
    at: row.handoff_at ? new Date(row.handoff_at as string) : null,
    closed: row.closed_at !== null && row.closed_at !== undefined,
  };
}

/** Builds the {@link HandoffLog} over the chat log's database; events reach `hub` (and other replicas) as usual. */
export function createHandoffLog(options: {
  sql: SqlClient;
  hub?: Pick<EventHub, 'publish'>;
  notify?: boolean;
  now?: () => Date;
}): HandoffLog {
  const { sql, hub, now = () => new Date() } = options;
  const notifySelect = notifySql(options.notify);

  /** Runs `conv` (an UPDATE of the conversation that bumps last_event_id, or returns no row) with `events`. */
  async function appendWith(
    conversationId: string,
    conv: string,
    params: unknown[],
    events: NewConversationEvent[],
    at: Date,
    extra = '',
  ): Promise<{ events: ConversationEvent[]; row?: Record<string, unknown> }> {
    const n = params.length;
    const rows = await sql.query<Record<string, unknown>>(
      `WITH ${extra}conv AS (${conv}),
       events AS (${appendEventsCte(`$${n + 1}`, `$${n + 2}::int`, `$${n + 3}::timestamptz`)})
       SELECT to_jsonb(conv) AS conv, conv.last_event_id, (SELECT count(*) FROM events) AS appended${notifySelect}
       FROM conv`,
      [...params, eventsParam(events), events.length, at],
    );
    const row = rows[0];
    if (!row) return { events: [] };
    const appended = numbered(conversationId, Number(row.last_event_id), events, at);
    hub?.publish(appended);
    return { events: appended, row: row.conv as Record<string, unknown> };
  }

  return {
    async request({ conversationId, subject, reason, agent }) {
      if (!isUuid(conversationId)) return undefined;
      const at = now();
      const events: NewConversationEvent[] = [
        { kind: 'handoff', author: 'system', data: { state: 'requested', reason } },
      ];
      const { row } = await appendWith(
        conversationId,
        `UPDATE conversations SET handoff_state = 'requested', handoff_reason = $3, handoff_agent = $4,
           handoff_at = $5, handoff_task_id = NULL, handoff_position = NULL, last_event_id = last_event_id + 1,
           last_activity_at = GREATEST(last_activity_at, $5)
         WHERE id = $1 AND subject = $2 AND closed_at IS NULL
           AND (handoff_state IS NULL OR handoff_state NOT IN ${OPEN})
         RETURNING ${HANDOFF_COLUMNS}, last_event_id`,
        [conversationId, subject, reason, agent, at],
        events,
        at,
      );
      return row ? handoffRow(row) : undefined;
    },

    async setTask(conversationId, taskId) {
      await sql.query('UPDATE conversations SET handoff_task_id = $2 WHERE id = $1', [
        conversationId,
        taskId,
      ]);
    },

    async update(conversationId, data) {
      if (!isUuid(conversationId)) return [];
      const at = now();
      const position = data.state === 'queued' ? (data.position ?? null) : null;
      const { events } = await appendWith(
        conversationId,
        // A handoff that moves is a conversation in use: waiting in the queue is not leaving.
        `UPDATE conversations SET handoff_state = $2, handoff_position = $3::int, last_event_id = last_event_id + 1,
           last_activity_at = GREATEST(last_activity_at, $4)
         WHERE id = $1 AND handoff_state IS NOT NULL
           AND (handoff_state IS DISTINCT FROM $2 OR handoff_position IS DISTINCT FROM $3::int)
           AND handoff_state IN ${OPEN}
         RETURNING id, last_event_id`,
        [conversationId, data.state, position, at],
        [{ kind: 'handoff', author: data.operator ? 'operator' : 'system', data }],
        at,
      );
      return events;
    },

    async operatorMessage({ conversationId, messageId, text, operator, at }) {
      if (!isUuid(conversationId) || !isUuid(messageId)) return [];
      const events: NewConversationEvent[] = [
        {
          kind: 'message',
          author: 'operator',
          data: {
            messageId,
            role: 'operator',
            text,
            replyTo: null,
            status: 'answered',
            agents: [],
            citations: [],
            annotations: [],
            errorCode: null,
            operator,
          },
        },
      ];
      const { events: appended } = await appendWith(
        conversationId,
        `UPDATE conversations SET last_event_id = last_event_id + 1,
           last_activity_at = GREATEST(last_activity_at, $5)
         WHERE id = $1 AND EXISTS (SELECT 1 FROM stored) RETURNING id, last_event_id`,
        [conversationId, messageId, text, operator.name, at],
        events,
        at,
        `stored AS (
           INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status,
                                 completed_at, agents)
           SELECT $2::uuid, $1::uuid, 'operator', $3::text, $5::timestamptz, 'desk', 'answered', $5::timestamptz,
                  ARRAY[$4::text]
           WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1)
           ON CONFLICT (id) DO NOTHING RETURNING id
         ), `,
      );
      return appended;
    },

    async heldMessage({ conversationId, subject, text, correlationId }) {
      if (!isUuid(conversationId)) return undefined;
      const at = now();
      const messageId = randomUUID();
      const events: NewConversationEvent[] = [
        {
          kind: 'message',
          author: 'shopper',
          data: {
            messageId,
            role: 'shopper',
            text,
            replyTo: null,
            status: 'received',
            agents: [],
            citations: [],
            annotations: [],
            errorCode: null,
          },
        },
      ];
      // The handoff is checked open and the message stored in one statement, so a message is never stored for a
      // desk task that has just ended without the bots answering it instead.
      const { events: appended, row } = await appendWith(
        conversationId,
        `UPDATE conversations SET last_event_id = last_event_id + 1,
           last_activity_at = GREATEST(last_activity_at, $3)
         WHERE id = $1 AND subject = $2 AND closed_at IS NULL AND handoff_state IN ${OPEN}
         RETURNING ${HANDOFF_COLUMNS}, last_event_id`,
        [conversationId, subject, at],
        events,
        at,
      );
      if (!row) return undefined;
      await sql.query(
        `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status)
         VALUES ($1, $2, 'shopper', $3, $4, $5, 'received')`,
        [messageId, conversationId, text, at, correlationId],
      );
      return { messageId, events: appended, handoff: handoffRow(row) };
    },

    async typing(conversationId, data) {
      if (!isUuid(conversationId)) return;
      const at = now();
      await appendWith(
        conversationId,
        `UPDATE conversations SET last_event_id = last_event_id + 1
         WHERE id = $1 AND closed_at IS NULL RETURNING id, last_event_id`,
        [conversationId],
        [{ kind: 'typing', author: data.role, data }],
        at,
      );
    },

    async get(conversationId) {
      if (!isUuid(conversationId)) return undefined;
      const rows = await sql.query<Record<string, unknown>>(
        `SELECT ${HANDOFF_COLUMNS} FROM conversations WHERE id = $1`,
        [conversationId],
      );
      return rows[0] ? handoffRow(rows[0]) : undefined;
    },

    async listOpen() {
      const rows = await sql.query<Record<string, unknown>>(
        `SELECT ${HANDOFF_COLUMNS} FROM conversations
         WHERE handoff_state IN ${OPEN} AND handoff_task_id IS NOT NULL ORDER BY handoff_at`,
      );
      return rows.map(handoffRow);
    },

    async rate({ conversationId, subject, score, comment }) {
      if (!isUuid(conversationId)) return 'not_found';
      const rows = await sql.query<{ outcome: string }>(
        `WITH conv AS (SELECT id, handoff_state, closed_at FROM conversations WHERE id = $1 AND subject = $2),
         stored AS (
           INSERT INTO conversation_ratings (conversation_id, score, comment, resolved_by, created_at)
           SELECT id, $3, $4, CASE WHEN handoff_state = 'resolved' THEN 'human' ELSE 'bot' END, $5 FROM conv
           WHERE handoff_state IN ('resolved', 'returned_to_bot') OR closed_at IS NOT NULL
           ON CONFLICT (conversation_id) DO NOTHING RETURNING 1
         )
         SELECT CASE
           WHEN NOT EXISTS (SELECT 1 FROM conv) THEN 'not_found'
           WHEN EXISTS (SELECT 1 FROM stored) THEN 'stored'
           WHEN EXISTS (SELECT 1 FROM conversation_ratings WHERE conversation_id = $1) THEN 'already_rated'
           ELSE 'not_resolved' END AS outcome`,
        [conversationId, subject, score, comment ?? null, now()],
      );
      return (rows[0]?.outcome ?? 'not_found') as 'stored' | 'already_rated' | 'not_resolved' | 'not_found';
    },
  };
}
