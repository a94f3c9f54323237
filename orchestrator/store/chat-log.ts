import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SqlClient } from './sql.js';

/** Who wrote a message. */
export const MessageAuthorSchema = z.enum(['shopper', 'agent', 'system']);
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
}

/** How {@link ChatLog.closeExchange} ends a streaming reply. */
export interface CloseExchangeInput {
  replyId: string;
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
  /** Closes the conversation; closing again keeps the first time and reason. */
  closeConversation(id: string, reason: string): Promise<Conversation>;
}

/** Options of {@link createChatLog}. */
export interface ChatLogOptions {
  /** A migrated database (see `migrate`). */
  sql: SqlClient;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
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
  const { sql, now = () => new Date() } = options;

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
      const params = [
        conversationId ?? randomUUID(),
        subject,
        at,
        randomUUID(),
        randomUUID(),
        text,
        correlationId,
      ];
      // An existing conversation is written to only by its own subject, checked in the same statement.
      const conversation =
        conversationId === undefined
          ? `INSERT INTO conversations (id, subject, role, locale, created_at, last_activity_at)
             VALUES ($1, $2, $8, $9, $3, $3) RETURNING ${CONVERSATION_COLUMNS}`
          : `UPDATE conversations SET last_activity_at = GREATEST(last_activity_at, $3)
             WHERE id = $1 AND subject = $2 RETURNING ${CONVERSATION_COLUMNS}`;
      // One statement is one transaction: committed before this resolves, so the message is durable before any
      // agent sees it. The reply reads its row from `asked`, so the shopper message is inserted (and numbered) first.
      const rows = await sql.query<{ conversation: unknown; asked: unknown; reply: unknown }>(
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
         )
         SELECT to_jsonb(conv) AS conversation, to_jsonb(asked) AS asked, to_jsonb(reply) AS reply
         FROM conv, asked, reply`,
        conversationId === undefined ? [...params, role, locale] : params,
      );
      const row = rows[0];
      if (row === undefined) {
        throw new ChatLogError('conversation_not_found', `conversation ${conversationId} not found`);
      }
      return {
        conversation: conversationRow.parse(row.conversation),
        shopperMessage: messageRow.parse(row.asked),
        reply: messageRow.parse(row.reply),
      };
    },

    async closeExchange(input) {
      const { replyId, text, agents, errorCode, tasks = [] } = input;
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
      // One statement is one transaction: the reply, its shopper message, the conversation and the tasks change
      // together or not at all. A failed reply deliberately leaves its shopper message 'received', so an
      // unanswered question is never lost.
      const rows = await sql.query(
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
         activity AS (
           UPDATE conversations SET last_activity_at = GREATEST(last_activity_at, $8)
           WHERE id = (SELECT conversation_id FROM reply)
         ),
         tasks AS (
           INSERT INTO agent_tasks
             (id, message_id, agent, skill, task_id, started_at, first_event_at, ended_at, outcome, error_code)
           SELECT t.id, reply.id, t.agent, t.skill, t.task_id, t.started_at, t.first_event_at, t.ended_at,
                  t.outcome, t.error_code
           FROM reply, jsonb_to_recordset($10::text::jsonb) AS t(
             id uuid, agent text, skill text, task_id text, started_at timestamptz, first_event_at timestamptz,
             ended_at timestamptz, outcome text, error_code text)
         )
         SELECT ${MESSAGE_COLUMNS} FROM reply`,
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
        ],
      );
      if (rows[0] === undefined) return notStreaming(replyId);
      return messageRow.parse(rows[0]);
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
      const rows = await sql.query(
        `UPDATE conversations
         SET closed_at = COALESCE(closed_at, $2), close_reason = CASE WHEN closed_at IS NULL THEN $3 ELSE close_reason END
         WHERE id = $1
         RETURNING ${CONVERSATION_COLUMNS}`,
        [id, now(), reason],
      );
      if (rows[0] === undefined)
        throw new ChatLogError('conversation_not_found', `conversation ${id} not found`);
      return conversationRow.parse(rows[0]);
    },
  };
  return log;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Ids arrive from URLs; a malformed one is simply not found rather than a database cast error.
function isUuid(value: string): boolean {
  return UUID.test(value);
}
