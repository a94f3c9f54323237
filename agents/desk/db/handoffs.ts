import type { Message } from '@a2a-js/sdk';
import type { SqlClient } from '../../runtime/index.js';
import type {
  HandoffReason,
  HandoffRequest,
  HandoffStateName,
  OperatorRef,
  TranscriptLine,
} from '../protocol.js';
import { iso, isoOf } from './rows.js';

/** A handoff as the desk stores it. */
export interface Handoff {
  taskId: string;
  contextId: string;
  /** The service token subject that created the task: the only caller who may see it. */
  owner: string;
  conversationId: string;
  shopper: HandoffRequest['shopper'];
  language: HandoffRequest['language'];
  reason: HandoffReason;
  sentiment?: HandoffRequest['sentiment'];
  topic?: string;
  transcript: TranscriptLine[];
  /** The A2A message that asked for the handoff, the first of the task's history. */
  requestMessage: Message;
  state: HandoffStateName;
  offlineReason?: 'closed' | 'no_operator';
  queuedAt: string;
  assignedAt?: string;
  operator?: OperatorRef;
  firstResponseAt?: string;
  endedAt?: string;
  updatedAt: string;
}

/** States in which a person may still join or is working on the handoff. */
export const OPEN_STATES: readonly HandoffStateName[] = ['queued', 'assigned'];

interface HandoffRow {
  task_id: string;
  context_id: string;
  owner: string;
  conversation_id: string;
  shopper_subject: string;
  role: string;
  shopper_name: string | null;
  language: string;
  reason: string;
  sentiment: HandoffRequest['sentiment'] | null;
  topic: string | null;
  transcript: TranscriptLine[];
  request_message: Message;
  state: string;
  offline_reason: string | null;
  queued_at: Date;
  assigned_at: Date | null;
  operator_id: string | null;
  operator_name: string | null;
  first_response_at: Date | null;
  ended_at: Date | null;
  updated_at: Date;
}

function toHandoff(row: HandoffRow): Handoff {
  return {
    taskId: row.task_id,
    contextId: row.context_id,
    owner: row.owner,
    conversationId: row.conversation_id,
    shopper: {
      subject: row.shopper_subject,
      role: row.role as Handoff['shopper']['role'],
      ...(row.shopper_name ? { name: row.shopper_name } : {}),
    },
    language: row.language as Handoff['language'],
    reason: row.reason as HandoffReason,
    ...(row.sentiment ? { sentiment: row.sentiment } : {}),
    ...(row.topic ? { topic: row.topic } : {}),
    transcript: row.transcript,
    requestMessage: row.request_message,
    state: row.state as HandoffStateName,
    ...(row.offline_reason ? { offlineReason: row.offline_reason as Handoff['offlineReason'] } : {}),
    queuedAt: isoOf(row.queued_at),
    assignedAt: iso(row.assigned_at),
    ...(row.operator_id
      ? { operator: { id: row.operator_id, name: row.operator_name ?? row.operator_id } }
      : {}),
    firstResponseAt: iso(row.first_response_at),
    endedAt: iso(row.ended_at),
    updatedAt: isoOf(row.updated_at),
  };
}

/** Stores a new handoff in `handoff.state` (queued, or offline at once). */
export async function insertHandoff(
  sql: SqlClient,
  handoff: Omit<Handoff, 'updatedAt' | 'assignedAt' | 'operator' | 'firstResponseAt'>,
): Promise<void> {
  await sql.query(
    `INSERT INTO handoffs (task_id, context_id, owner, conversation_id, shopper_subject, role, shopper_name, language,
       reason, sentiment, topic, transcript, request_message, state, offline_reason, queued_at, ended_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $16)`,
    [
      handoff.taskId,
      handoff.contextId,
      handoff.owner,
      handoff.conversationId,
      handoff.shopper.subject,
      handoff.shopper.role,
      handoff.shopper.name ?? null,
      handoff.language,
      handoff.reason,
      handoff.sentiment ? JSON.stringify(handoff.sentiment) : null,
      handoff.topic ?? null,
      JSON.stringify(handoff.transcript),
      JSON.stringify(handoff.requestMessage),
      handoff.state,
      handoff.offlineReason ?? null,
      handoff.queuedAt,
      handoff.endedAt ?? null,
    ],
  );
}

/** The handoff of task `taskId`, or undefined. */
/** Keeps the shopper's latest tone on the handoff, for the operators' list. */
export async function setSentiment(
  sql: SqlClient,
  taskId: string,
  sentiment: NonNullable<HandoffRequest['sentiment']>,
): Promise<void> {
  await sql.query('UPDATE handoffs SET sentiment = $2 WHERE task_id = $1', [
    taskId,
    JSON.stringify(sentiment),
  ]);
}

export async function getHandoff(sql: SqlClient, taskId: string): Promise<Handoff | undefined> {
  const [row] = await sql.query<HandoffRow>('SELECT * FROM handoffs WHERE task_id = $1', [taskId]);
  return row ? toHandoff(row) : undefined;
}

/** The latest handoff of a conversation (one conversation may be handed over more than once), or undefined. */
export async function latestHandoffOf(sql: SqlClient, conversationId: string): Promise<Handoff | undefined> {
  const [row] = await sql.query<HandoffRow>(
    'SELECT * FROM handoffs WHERE conversation_id = $1 ORDER BY queued_at DESC LIMIT 1',
    [conversationId],
  );
  return row ? toHandoff(row) : undefined;
}

/** The open handoffs' task ids and owners (to give their tasks live event buses after a restart). */
export async function openHandoffs(sql: SqlClient): Promise<Array<{ taskId: string; owner: string }>> {
  const rows = await sql.query<{ task_id: string; owner: string }>(
    `SELECT task_id, owner FROM handoffs WHERE state IN ('queued', 'assigned')`,
  );
  return rows.map((r) => ({ taskId: r.task_id, owner: r.owner }));
}

/** Queue positions (1 = next) of the waiting handoffs, first come first served. */
export async function queuePositions(sql: SqlClient): Promise<Map<string, number>> {
  const rows = await sql.query<{ task_id: string }>(
    `SELECT task_id FROM handoffs WHERE state = 'queued' ORDER BY queued_at, task_id`,
  );
  return new Map(rows.map((r, i) => [r.task_id, i + 1]));
}

/** The last `limit` real waits (queued until assigned), in seconds, newest first. */
export async function recentWaitsSec(sql: SqlClient, limit = 20): Promise<number[]> {
  const rows = await sql.query<{ wait: number | string }>(
    `SELECT EXTRACT(EPOCH FROM (assigned_at - queued_at)) AS wait FROM handoffs
     WHERE assigned_at IS NOT NULL ORDER BY assigned_at DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => Number(r.wait));
}

/**
 * Gives a queued handoff to `operator`, atomically: of two concurrent claims exactly one finds it still queued.
 * Returns the claimed handoff, or undefined when it was not queued any more.
 */
export async function claimHandoff(
  sql: SqlClient,
  taskId: string,
  operator: OperatorRef,
  at: string,
): Promise<Handoff | undefined> {
  const [row] = await sql.query<HandoffRow>(
    `UPDATE handoffs SET state = 'assigned', operator_id = $2, operator_name = $3, assigned_at = $4, updated_at = $4
     WHERE task_id = $1 AND state = 'queued' RETURNING *`,
    [taskId, operator.id, operator.name, at],
  );
  return row ? toHandoff(row) : undefined;
}

/** Moves an assigned handoff to `operator` (a transfer); undefined when it is not assigned any more. */
export async function reassignHandoff(
  sql: SqlClient,
  taskId: string,
  operator: OperatorRef,
  at: string,
): Promise<Handoff | undefined> {
  const [row] = await sql.query<HandoffRow>(
    `UPDATE handoffs SET operator_id = $2, operator_name = $3, updated_at = $4
     WHERE task_id = $1 AND state = 'assigned' RETURNING *`,
    [taskId, operator.id, operator.name, at],
  );
  return row ? toHandoff(row) : undefined;
}

/** Ends an open handoff in `state`; undefined when it had ended already. */
export async function endHandoff(
  sql: SqlClient,
  taskId: string,
  state: 'resolved' | 'returned_to_bot' | 'abandoned',
  at: string,
): Promise<Handoff | undefined> {
  const [row] = await sql.query<HandoffRow>(
    `UPDATE handoffs SET state = $2, ended_at = $3, updated_at = $3
     WHERE task_id = $1 AND state IN ('queued', 'assigned') RETURNING *`,
    [taskId, state, at],
  );
  return row ? toHandoff(row) : undefined;
}

/** Marks `at` as the time of something new in the handoff, and of the first operator reply if none was yet. */
export async function touchHandoff(
  sql: SqlClient,
  taskId: string,
  at: string,
  options: { firstResponse?: boolean } = {},
): Promise<void> {
  await sql.query(
    options.firstResponse
      ? 'UPDATE handoffs SET updated_at = $2, first_response_at = COALESCE(first_response_at, $2) WHERE task_id = $1'
      : 'UPDATE handoffs SET updated_at = $2 WHERE task_id = $1',
    [taskId, at],
  );
}

/**
 * Handoffs for the operators' inbox: `waiting` (queued, oldest first), `mine` (open and held by `operatorId`),
 * `all` (open ones plus those ended since `since`).
 */
export async function listHandoffs(
  sql: SqlClient,
  filter: { state: 'waiting' | 'mine' | 'all'; operatorId: string; since: string },
): Promise<Handoff[]> {
  const rows =
    filter.state === 'waiting'
      ? await sql.query<HandoffRow>(
          `SELECT * FROM handoffs WHERE state = 'queued' ORDER BY queued_at, task_id`,
        )
      : filter.state === 'mine'
        ? await sql.query<HandoffRow>(
            `SELECT * FROM handoffs WHERE state = 'assigned' AND operator_id = $1 ORDER BY queued_at`,
            [filter.operatorId],
          )
        : await sql.query<HandoffRow>(
            `SELECT * FROM handoffs WHERE state IN ('queued', 'assigned') OR ended_at >= $1 ORDER BY queued_at`,
            [filter.since],
          );
  return rows.map(toHandoff);
}
