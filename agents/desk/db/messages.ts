import type { Message } from '@a2a-js/sdk';
import type { SqlClient } from '../../runtime/index.js';
import type { Note, OperatorRef } from '../protocol.js';
import { isoOf } from './rows.js';

/** Something said in a handoff after it began, by the shopper or an operator. */
export interface DeskMessage {
  id: string;
  taskId: string;
  author: 'shopper' | 'operator';
  operator?: OperatorRef;
  text: string;
  /** The shopper's A2A message as received, for the task's history. */
  a2aMessage?: Message;
  at: string;
}

interface MessageRow {
  id: string;
  task_id: string;
  author: 'shopper' | 'operator';
  operator_id: string | null;
  operator_name: string | null;
  text: string;
  a2a_message: Message | null;
  at: Date;
}

function toMessage(row: MessageRow): DeskMessage {
  return {
    id: row.id,
    taskId: row.task_id,
    author: row.author,
    ...(row.operator_id
      ? { operator: { id: row.operator_id, name: row.operator_name ?? row.operator_id } }
      : {}),
    text: row.text,
    ...(row.a2a_message ? { a2aMessage: row.a2a_message } : {}),
    at: isoOf(row.at),
  };
}

/** Stores a message of the handoff. */
export async function addMessage(sql: SqlClient, message: DeskMessage): Promise<void> {
  await sql.query(
    `INSERT INTO desk_messages (id, task_id, author, operator_id, operator_name, text, a2a_message, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      message.id,
      message.taskId,
      message.author,
      message.operator?.id ?? null,
      message.operator?.name ?? null,
      message.text,
      message.a2aMessage ? JSON.stringify(message.a2aMessage) : null,
      message.at,
    ],
  );
}

/** Every message of the handoff, in the order they were stored. */
export async function messagesOf(sql: SqlClient, taskId: string): Promise<DeskMessage[]> {
  const rows = await sql.query<MessageRow>('SELECT * FROM desk_messages WHERE task_id = $1 ORDER BY seq', [
    taskId,
  ]);
  return rows.map(toMessage);
}

/** The last message of each of `taskIds`, by task id. */
export async function lastMessagesOf(sql: SqlClient, taskIds: string[]): Promise<Map<string, DeskMessage>> {
  if (taskIds.length === 0) return new Map();
  const rows = await sql.query<MessageRow>(
    `SELECT DISTINCT ON (task_id) * FROM desk_messages WHERE task_id = ANY($1) ORDER BY task_id, seq DESC`,
    [taskIds],
  );
  return new Map(rows.map((r) => [r.task_id, toMessage(r)]));
}

/** Stores an internal note of an operator on the handoff. */
export async function addNote(sql: SqlClient, taskId: string, note: Note): Promise<void> {
  await sql.query(
    'INSERT INTO notes (id, task_id, operator_id, operator_name, text, at) VALUES ($1, $2, $3, $4, $5, $6)',
    [note.id, taskId, note.operator.id, note.operator.name, note.text, note.at],
  );
}

/** The notes on the handoff, oldest first. */
export async function notesOf(sql: SqlClient, taskId: string): Promise<Note[]> {
  const rows = await sql.query<{
    id: string;
    operator_id: string;
    operator_name: string;
    text: string;
    at: Date;
  }>('SELECT * FROM notes WHERE task_id = $1 ORDER BY at, id', [taskId]);
  return rows.map((r) => ({
    id: r.id,
    operator: { id: r.operator_id, name: r.operator_name },
    text: r.text,
    at: isoOf(r.at),
  }));
}
