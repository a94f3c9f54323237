import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ConversationEvent, NewConversationEvent } from '../chat/contract.js';
import { traceWrites } from './chat-log-tracing.js';
import type { EventHub } from './event-hub.js';
import { EVENTS_CHANNEL_SQL } from './event-listener.js';
import type { SqlClient } from './sql.js';
import { createWriteQueue, type Write, type WriteQueueOptions } from './write-queue.js';

/** Who wrote a message. */
export const MessageAuthorSchema = z.enum(['shopper', 'agent', 'system', 'operator']);
export type MessageAuthor = z.infer<typeof MessageAuthorSchema>;

/** Where a message is in its life: a shopper message is `received` until answered; a reply streams, then ends. */
export const MessageStatusSchema = z.enum(['received', 'streaming', 'answered', 'failed']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

/** How one agent task ended. */
export const AgentTaskOutcomeSchema = z.enum([
  'completed',
  'failed',
  'timeout',
  'canceled',
  'refused',
  'unavailable',
]);
export type AgentTaskOutcome = z.infer<typeof AgentTaskOutcomeSchema>;

/** A conversation between one subject (shopper id or guest session id) and the shop's agents. */
export const ConversationSchema = z.object({
  id: z.string(),
  subject: z.string(),
  role: z.string(),
  locale: z.string(),
  createdAt: z.date(),
  lastActivityAt: z.date(),
  closedAt: z.date().nullable(),
  closeReason: z.string().nullable(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

/** One message of the chat log; for agent replies `replyTo` is the shopper message answered. */
export const StoredMessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  author: MessageAuthorSchema,
  text: z.string(),
  createdAt: z.date(),
  correlationId: z.string(),
  replyTo: z.string().nullable(),
  status: MessageStatusSchema,
  firstTokenAt: z.date().nullable(),
  /** When the reply ended, answered or failed. */
  completedAt: z.date().nullable(),
  agents: z.array(z.string()),
  citations: z.array(z.unknown()),
  /** What the reply showed besides text: `{ agent, kind, data }` as sent to the page. */
  annotations: z.array(z.unknown()),
  errorCode: z.string().nullable(),
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

/** Why a chat-log operation was refused; internal, never sent to clients as is. */
export class ChatLogError extends Error {
  override readonly name = 'ChatLogError';
  constructor(
    readonly code: 'conversation_not_found' | 'message_not_found' | 'reply_not_streaming',
    message: string,
  ) {
    super(message);
  }
}

/** A page of {@link ChatLog.listMessages}. */
export interface ListMessagesOptions {
  /** Most messages to return; defaults to 50, at most 500. */
  limit?: number;
  /** Id of a message of the same conversation: only older messages are returned (the next page back). */
  before?: string;
}

/**
 * One call from the orchestrator to one agent while producing a reply, kept for latency and failure metrics;
 * {@link ChatLog.closeExchange} stores it with its reply (`tasks`, without `messageId`).
 */
export interface RecordAgentTaskInput {
  /** The agent reply the task contributed to. */
  messageId: string;
  agent: string;
  skill: string;
  /** The A2A task id, when the agent created one. */
  taskId?: string;
  startedAt: Date;
  firstEventAt?: Date;
  endedAt: Date;
  outcome: AgentTaskOutcome;
  errorCode?: string;
}

/** What {@link ChatLog.openExchange} stores: a shopper message and the empty reply that will answer it. */
export interface OpenExchangeInput {
  /** An existing conversation of `subject`; when absent a new conversation is started. */
  conversationId?: string;
  subject: string;
  /** Role and locale of a new conversation; ignored for an existing one. */
  role: string;
  locale: string;
  text: string;
  correlationId: string;
}

/** The rows {@link ChatLog.openExchange} created or touched. */
export interface Exchange {
  conversation: Conversation;
  /** The shopper's message, `received`. */
  shopperMessage: StoredMessage;
  /** The agent reply, `streaming` and empty. */
  reply: StoredMessage;
  /** The events appended: the shopper's `message`, then the reply's `reply_started` status. */
  events: ConversationEvent[];
}

/** How {@link ChatLog.closeExchange} ends a streaming reply. */
export interface CloseExchangeInput {
  replyId: string;
  /** The reply's conversation, when known: its writes are then kept in order with the conversation's others. */
  conversationId?: string;
  /** The reply's text; for a failed reply the partial text shown, apology included. */
  text: string;
  agents: string[];
  /** When the first text was shown; an answered reply without it takes its completion time. Never overwritten. */
  firstTokenAt?: Date;
  /** Set for a failed reply: it ends `failed` with this code and its shopper message stays `received`. */
  errorCode?: string;
  /** Sources of an answered reply. */
  citations?: unknown[];
  /** Why an answered reply offered a human operator, if it did. */
  handoffReason?: string;
  /** What the reply showed besides text (order and offer cards, sign-in and hand-off offers), in order. */
  annotations?: unknown[];
  /** The agent tasks of the reply, stored with it. */
  tasks?: Omit<RecordAgentTaskInput, 'messageId'>[];
  /** Events appended to the conversation in the same transaction (what the reply still had to say, its complete
   * `message` and its final `status`); none when the reply had already ended. */
  events?: NewConversationEvent[];
}

/** A page of {@link ChatLog.listEvents}. */
export interface ListEventsOptions {
  /** The last id the reader has; 0 from the start. */
  after: number;
  /** Most events to return; at most 1000. */
  limit: number;
}

/** The orchestrator's durable record of conversations, messages and agent tasks. */
export interface ChatLog {
  /**
   * Stores a shopper message (in a new or an existing conversation of `subject`) and the empty reply to it in one
   * transaction, committed before it resolves; throws `conversation_not_found` for a conversation that is unknown
   * or belongs to another subject.
   */
  openExchange(input: OpenExchangeInput): Promise<Exchange>;
  /**
   * Ends a streaming reply in one transaction: as `answered` (its shopper message too) or, with `errorCode`, as
   * `failed`; stores its first-token time and its agent tasks, and bumps the conversation's activity.
   */
  closeExchange(input: CloseExchangeInput): Promise<StoredMessage>;
  /** The conversation, or undefined when the id is unknown or malformed. */
  getConversation(id: string): Promise<Conversation | undefined>;
  /** The newest `limit` messages (before the cursor, if any), in chronological order. */
  listMessages(conversationId: string, options?: ListMessagesOptions): Promise<StoredMessage[]>;
  /**
   * Closes the conversation and appends its `closed` status; closing again keeps the first time and reason and
   * appends nothing.
   */
  closeConversation(id: string, reason: string): Promise<Conversation>;
  /**
   * Appends events to a conversation in one transaction, numbered after its last one; throws
   * `conversation_not_found` for an unknown conversation.
   */
  appendEvents(conversationId: string, events: NewConversationEvent[]): Promise<ConversationEvent[]>;
  /** The conversation's events after `after`, in id order (ids may jump where deltas were compacted). */
  listEvents(conversationId: string, options: ListEventsOptions): Promise<ConversationEvent[]>;
  /**
   * Retention: deletes the `delta` events of replies that ended before `before` — their `message` event holds the
   * whole text, so a reader that resumes across them still reads every reply complete. Returns how many went.
   */
  compactDeltas(before: Date): Promise<number>;
}

/** Options of {@link createChatLog}. */
export interface ChatLogOptions {
  /** A migrated database (see `migrate`). */
  sql: SqlClient;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /** Told of every event this log commits, so readers in this process see it at once. */
  hub?: Pick<EventHub, 'publish'>;
  /**
   * Also notify other processes (PostgreSQL `NOTIFY`, in the writing statement, delivered at commit); only for a
   * PostgreSQL database that other orchestrators share.
   */
  notify?: boolean;
  /**
   * Group commit: writes arriving within a couple of milliseconds share one transaction (see `createWriteQueue`);
   * on unless `false`. Each write still resolves only once committed.
   */
  groupCommit?: boolean | Omit<WriteQueueOptions, 'sql'>;
}

const eventRow = z
  .object({
    conversation_id: z.string(),
    id: z.coerce.number(),
    kind: z.string(),
    author: z.string(),
    data: z.unknown(),
    created_at: z.coerce.date(),
  })
  // The log only holds what the contract's writers put in; read back as the type it was written as.
  .transform(
    (r) =>
      ({
        id: r.id,
        conversationId: r.conversation_id,
        at: r.created_at.toISOString(),
        kind: r.kind,
        author: r.author,
        data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
      }) as ConversationEvent,
  );

/**
 * SQL that appends the JSON array `events` (each `{ kind, author, messageId, data }`) to the conversation whose
 * row `conv` returns with its new `last_event_id` (already bumped by the array's length `count`), numbering them
 * after the conversation's previous last event. The events are not read back: `numbered` rebuilds them from what
 * was written and the conversation's new last id (a round trip of their JSON costs more than the insert).
 */
export function appendEventsCte(events: string, count: string, at: string): string {
  return `INSERT INTO conversation_events (conversation_id, id, kind, author, message_id, data, created_at)
    SELECT conv.id, conv.last_event_id - ${count} + e.ord, e.value->>'kind', e.value->>'author',
           (e.value->>'messageId')::uuid, e.value->'data', ${at}
    FROM conv, jsonb_array_elements(${events}::text::jsonb) WITH ORDINALITY AS e(value, ord)
    RETURNING id`;
}

/** The events as the append CTE reads them. */
export function eventsParam(events: readonly NewConversationEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      kind: e.kind,
      author: e.author,
      messageId: 'messageId' in e.data && typeof e.data.messageId === 'string' ? e.data.messageId : null,
      data: e.data,
    })),
  );
}

const conversationRow = z
  .object({
    id: z.string(),
    subject: z.string(),
    role: z.string(),
    locale: z.string(),
    created_at: z.coerce.date(),
    last_activity_at: z.coerce.date(),
    closed_at: z.coerce.date().nullable(),
    close_reason: z.string().nullable(),
  })
  .transform(
    (r): Conversation => ({
      id: r.id,
      subject: r.subject,
      role: r.role,
      locale: r.locale,
      createdAt: r.created_at,
      lastActivityAt: r.last_activity_at,
      closedAt: r.closed_at,
      closeReason: r.close_reason,
    }),
  );

const messageRow = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    author: MessageAuthorSchema,
    text: z.string(),
    created_at: z.coerce.date(),
    correlation_id: z.string(),
    reply_to: z.string().nullable(),
    status: MessageStatusSchema,
    first_token_at: z.coerce.date().nullable(),
    completed_at: z.coerce.date().nullable(),
    agents: z.array(z.string()),
    citations: z.array(z.unknown()),
    annotations: z.array(z.unknown()),
    error_code: z.string().nullable(),
  })
  .transform(
    (r): StoredMessage => ({
      id: r.id,
      conversationId: r.conversation_id,
      author: r.author,
      text: r.text,
      createdAt: r.created_at,
      correlationId: r.correlation_id,
      replyTo: r.reply_to,
      status: r.status,
      firstTokenAt: r.first_token_at,
      completedAt: r.completed_at,
      agents: r.agents,
      citations: r.citations,
      annotations: r.annotations,
      errorCode: r.error_code,
    }),
  );

const CONVERSATION_COLUMNS =
  'id, subject, role, locale, created_at, last_activity_at, closed_at, close_reason';
const MESSAGE_COLUMNS =
  'id, conversation_id, author, text, created_at, correlation_id, reply_to, status, first_token_at, completed_at, agents, citations, annotations, error_code';
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** Builds a {@link ChatLog} over a migrated PGlite or PostgreSQL database. */
export function createChatLog(options: ChatLogOptions): ChatLog {
  const { sql, now = () => new Date(), hub } = options;
  // Other processes learn of new events from a hint sent at commit: the conversation and its last event id.
  const notifySelect = notifySql(options.notify);
  // Writes go through the queue (the shopper's message, the end of replies, the event log) and resolve once
  // committed; whatever they publish comes after, so a batch taken apart and written again publishes once.
  const queue =
    options.groupCommit === false
      ? undefined
      : createWriteQueue({ sql, ...(typeof options.groupCommit === 'object' ? options.groupCommit : {}) });
  const write = <R>(key: string, statements: Write<R>): Promise<R> =>
    queue ? queue.run(statements, key) : statements(sql);

  /** Explains why ending `replyId` changed nothing: it is unknown, or no longer streaming. */
  async function notStreaming(replyId: string): Promise<never> {
    const existing = await sql.query('SELECT 1 FROM messages WHERE id = $1 AND author = $2', [
      replyId,
      'agent',
    ]);
    if (existing.length === 0) throw new ChatLogError('message_not_found', `reply ${replyId} not found`);
    throw new ChatLogError('reply_not_streaming', `reply ${replyId} has already ended`);
  }

  const log: ChatLog = {
    async getConversation(id) {
      if (!isUuid(id)) return undefined;
      const rows = await sql.query(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : conversationRow.parse(rows[0]);
    },

    async openExchange({ conversationId, subject, role, locale, text, correlationId }) {
      if (conversationId !== undefined && !isUuid(conversationId)) {
        throw new ChatLogError('conversation_not_found', `conversation ${conversationId} not found`);
      }
      const at = now();
      const [askedId, replyId] = [randomUUID(), randomUUID()];
      const events: NewConversationEvent[] = [
        {
          kind: 'message',
          author: 'shopper',
          data: {
            messageId: askedId,
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
        {
          kind: 'status',
          author: 'system',
          data: { state: 'reply_started', messageId: replyId, replyTo: askedId },
        },
      ];
      const key = conversationId ?? randomUUID();
      const params = [
        key,
        subject,
        at,
        askedId,
        replyId,
        text,
        correlationId,
        eventsParam(events),
        events.length,
      ];
      // An existing conversation is written to only by its own subject, checked in the same statement; its row
      // hands out the events' ids (see migration 0005).
      const conversation =
        conversationId === undefined
          ? `INSERT INTO conversations (id, subject, role, locale, created_at, last_activity_at, last_event_id)
             VALUES ($1, $2, $10, $11, $3, $3, $9) RETURNING ${CONVERSATION_COLUMNS}, last_event_id`
          : `UPDATE conversations SET last_activity_at = GREATEST(last_activity_at, $3),
               last_event_id = last_event_id + $9
             WHERE id = $1 AND subject = $2 RETURNING ${CONVERSATION_COLUMNS}, last_event_id`;
      // One statement, committed (alone or in the batch of writes that arrived with it) before this resolves, so
      // the message is durable before any agent sees it. The reply reads its row from `asked`, so the shopper message is inserted (and numbered) first.
      const rows = await write(key, (tx) =>
        tx.query<{ conversation: Record<string, unknown>; asked: unknown; reply: unknown }>(
          `WITH conv AS (${conversation}),
         asked AS (
           INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status)
           SELECT $4::uuid, conv.id, 'shopper', $6::text, $3::timestamptz, $7::text, 'received' FROM conv
           RETURNING ${MESSAGE_COLUMNS}
         ),
         reply AS (
           INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, reply_to, status)
           SELECT $5::uuid, asked.conversation_id, 'agent', '', $3::timestamptz, $7::text, asked.id, 'streaming'
           FROM asked
           RETURNING ${MESSAGE_COLUMNS}
         ),
         events AS (${appendEventsCte('$8', '$9::int', '$3::timestamptz')})
         SELECT to_jsonb(conv) AS conversation, to_jsonb(asked) AS asked, to_jsonb(reply) AS reply,
                (SELECT count(*) FROM events) AS appended${notifySelect}
         FROM conv, asked, reply`,
          conversationId === undefined ? [...params, role, locale] : params,
        ),
      );
      const row = rows[0];
      if (row === undefined) {
        throw new ChatLogError('conversation_not_found', `conversation ${conversationId} not found`);
      }
      const opened = conversationRow.parse(row.conversation);
      const appended = numbered(opened.id, Number(row.conversation.last_event_id), events, at);
      hub?.publish(appended);
      return {
        conversation: opened,
        shopperMessage: messageRow.parse(row.asked),
        reply: messageRow.parse(row.reply),
        events: appended,
      };
    },

    async closeExchange(input) {
      const { replyId, text, agents, errorCode, tasks = [], events = [] } = input;
      if (!isUuid(replyId)) throw new ChatLogError('message_not_found', `reply ${replyId} not found`);
      const at = now();
      const failed = errorCode !== undefined;
      // A reply that never streamed shows its first text on completion, so that is its first token.
      const firstTokenAt = input.firstTokenAt ?? (failed ? null : at);
      const taskRows = tasks.map((task) => ({
        id: randomUUID(),
        agent: task.agent,
        skill: task.skill,
        task_id: task.taskId ?? null,
        started_at: task.startedAt.toISOString(),
        first_event_at: task.firstEventAt?.toISOString() ?? null,
        ended_at: task.endedAt.toISOString(),
        outcome: AgentTaskOutcomeSchema.parse(task.outcome),
        error_code: task.errorCode ?? null,
      }));
      // One statement, in one transaction: the reply, its shopper message, the conversation, the tasks and the
      // events change together or not at all. A failed reply deliberately leaves its shopper message 'received',
      // so an unanswered question is never lost.
      const rows = await write(input.conversationId ?? replyId, (tx) =>
        tx.query<Record<string, unknown> & { last_event_id: unknown }>(
          `WITH reply AS (
           UPDATE messages
           SET status = $2, text = $3, agents = $4::text[], error_code = $5,
               citations = COALESCE($6::text::jsonb, citations), handoff_reason = $7,
               completed_at = $8, first_token_at = COALESCE(first_token_at, $9),
               annotations = $11::text::jsonb
           WHERE id = $1 AND author = 'agent' AND status = 'streaming'
           RETURNING ${MESSAGE_COLUMNS}
         ),
         asked AS (
           UPDATE messages SET status = 'answered'
           WHERE $2 = 'answered' AND author = 'shopper' AND id = (SELECT reply_to FROM reply)
         ),
         conv AS (
           UPDATE conversations SET last_activity_at = GREATEST(last_activity_at, $8),
             last_event_id = last_event_id + $13
           WHERE id = (SELECT conversation_id FROM reply)
           RETURNING id, last_event_id
         ),
         tasks AS (
           INSERT INTO agent_tasks
             (id, message_id, agent, skill, task_id, started_at, first_event_at, ended_at, outcome, error_code)
           SELECT t.id, reply.id, t.agent, t.skill, t.task_id, t.started_at, t.first_event_at, t.ended_at,
                  t.outcome, t.error_code
           FROM reply, jsonb_to_recordset($10::text::jsonb) AS t(
             id uuid, agent text, skill text, task_id text, started_at timestamptz, first_event_at timestamptz,
             ended_at timestamptz, outcome text, error_code text)
         ),
         events AS (${appendEventsCte('$12', '$13::int', '$8::timestamptz')})
         SELECT ${MESSAGE_COLUMNS}, (SELECT last_event_id FROM conv) AS last_event_id,
                (SELECT count(*) FROM events) AS appended${notifySelect}
         FROM reply`,
          [
            replyId,
            failed ? 'failed' : 'answered',
            text,
            agents,
            errorCode ?? null,
            failed ? null : JSON.stringify(input.citations ?? []),
            failed ? null : (input.handoffReason ?? null),
            at,
            firstTokenAt,
            JSON.stringify(taskRows),
            JSON.stringify(input.annotations ?? []),
            eventsParam(events),
            events.length,
          ],
        ),
      );
      const row = rows[0];
      if (row === undefined) return notStreaming(replyId);
      const message = messageRow.parse(row);
      hub?.publish(numbered(message.conversationId, Number(row.last_event_id), events, at));
      return message;
    },

    async appendEvents(conversationId, events) {
      if (!isUuid(conversationId)) {
        throw new ChatLogError('conversation_not_found', `conversation ${conversationId} not found`);
      }
      if (!events.length) return [];
      const at = now();
      const rows = await write(conversationId, (tx) =>
        tx.query<{ last_event_id: unknown }>(
          `WITH conv AS (
           UPDATE conversations SET last_event_id = last_event_id + $3 WHERE id = $1 RETURNING id, last_event_id
         ),
         events AS (${appendEventsCte('$2', '$3::int', '$4::timestamptz')})
         SELECT conv.last_event_id, (SELECT count(*) FROM events) AS appended${notifySelect}
         FROM conv`,
          [conversationId, eventsParam(events), events.length, at],
        ),
      );
      if (rows[0] === undefined) {
        throw new ChatLogError('conversation_not_found', `conversation ${conversationId} not found`);
      }
      const appended = numbered(conversationId, Number(rows[0].last_event_id), events, at);
      hub?.publish(appended);
      return appended;
    },

    async listEvents(conversationId, { after, limit }) {
      if (!isUuid(conversationId)) return [];
      const rows = await sql.query(
        `SELECT conversation_id, id, kind, author, data, created_at FROM conversation_events
         WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [conversationId, after, Math.min(Math.max(Math.trunc(limit), 1), 1000)],
      );
      return rows.map((row) => eventRow.parse(row));
    },

    async compactDeltas(before) {
      const rows = await sql.query<{ n: unknown }>(
        `WITH gone AS (
           DELETE FROM conversation_events e USING messages m
           WHERE e.kind = 'delta' AND e.message_id = m.id AND m.status <> 'streaming' AND m.completed_at < $1
           RETURNING 1
         )
         SELECT count(*) AS n FROM gone`,
        [before],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async listMessages(conversationId, { limit = DEFAULT_PAGE, before } = {}) {
      if (!isUuid(conversationId)) return [];
      const pageSize = Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE);
      let rows: unknown[];
      if (before === undefined) {
        rows = await sql.query(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1
           ORDER BY created_at DESC, seq DESC LIMIT $2`,
          [conversationId, pageSize],
        );
      } else {
        const cursor = isUuid(before)
          ? await sql.query('SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2', [
              before,
              conversationId,
            ])
          : [];
        if (cursor.length === 0) {
          throw new ChatLogError(
            'message_not_found',
            `message ${before} not found in conversation ${conversationId}`,
          );
        }
        rows = await sql.query(
          `SELECT ${MESSAGE_COLUMNS} FROM messages
           WHERE conversation_id = $1
             AND (created_at, seq) < (SELECT created_at, seq FROM messages WHERE id = $2)
           ORDER BY created_at DESC, seq DESC LIMIT $3`,
          [conversationId, before, pageSize],
        );
      }
      return rows.map((row) => messageRow.parse(row)).reverse();
    },

    async closeConversation(id, reason) {
      if (!isUuid(id)) throw new ChatLogError('conversation_not_found', `conversation ${id} not found`);
      const events: NewConversationEvent[] = [
        { kind: 'status', author: 'system', data: { state: 'closed', reason } },
      ];
      const at = now();
      // Only the first close appends its status; the row's lock orders it with the conversation's other writers.
      const rows = await write(id, (tx) =>
        tx.query<Record<string, unknown> & { last_event_id: unknown; first_close: unknown }>(
          `WITH before AS (SELECT id, closed_at FROM conversations WHERE id = $1 FOR UPDATE),
         conv AS (
           UPDATE conversations c
           SET closed_at = COALESCE(c.closed_at, $2),
               close_reason = CASE WHEN c.closed_at IS NULL THEN $3 ELSE c.close_reason END,
               last_event_id = c.last_event_id + CASE WHEN c.closed_at IS NULL THEN $5 ELSE 0 END
           FROM before WHERE c.id = before.id
           RETURNING c.*, before.closed_at IS NULL AS first_close
         ),
         events AS (
           ${appendEventsCte('$4', '$5::int', '$2::timestamptz').replace('FROM conv,', 'FROM (SELECT * FROM conv WHERE first_close) AS conv,')}
         )
         SELECT ${CONVERSATION_COLUMNS}, last_event_id, first_close,
                (SELECT count(*) FROM events) AS appended${notifySelect}
         FROM conv`,
          [id, at, reason, eventsParam(events), events.length],
        ),
      );
      const row = rows[0];
      if (row === undefined) throw new ChatLogError('conversation_not_found', `conversation ${id} not found`);
      if (row.first_close === true) hub?.publish(numbered(id, Number(row.last_event_id), events, at));
      return conversationRow.parse(row);
    },
  };
  return traceWrites(log);
}

/**
 * The select-list item that hints other processes of the events a statement appended (a `conv` CTE returns the
 * conversation's id and new last event id), or nothing when no other process shares the database.
 */
export function notifySql(notify: boolean | undefined): string {
  return notify
    ? `, (SELECT pg_notify(${EVENTS_CHANNEL_SQL}, conv.id || ':' || conv.last_event_id) FROM conv) AS notified`
    : '';
}

/** The events just appended, numbered up to the conversation's new last id, as the log will read them back. */
export function numbered(
  conversationId: string,
  last: number,
  events: readonly NewConversationEvent[],
  at: Date,
): ConversationEvent[] {
  const first = last - events.length + 1;
  return events.map((event, i) => ({ ...event, id: first + i, conversationId, at: at.toISOString() }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Ids arrive from URLs; a malformed one is simply not found rather than a database cast error.
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
