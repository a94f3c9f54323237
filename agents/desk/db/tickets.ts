import type { SqlClient } from '../../runtime/index.js';
import type { OfflineTicket } from '../protocol.js';
import { iso, isoOf } from './rows.js';

/** Stores a message left for the team; `owner` is the token subject that left it. */
export async function addTicket(sql: SqlClient, ticket: OfflineTicket & { owner: string }): Promise<void> {
  await sql.query(
    `INSERT INTO offline_messages (id, owner, conversation_id, email, text, language, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      ticket.id,
      ticket.owner,
      ticket.conversationId ?? null,
      ticket.email,
      ticket.text,
      ticket.language,
      ticket.createdAt,
    ],
  );
}

/** Records that an e-mail about the ticket went out. */
export async function markNotified(sql: SqlClient, id: string, at: string): Promise<void> {
  await sql.query('UPDATE offline_messages SET notified_at = $2 WHERE id = $1', [id, at]);
}

/** The messages left for the team, newest first (at most `limit`). */
export async function listTickets(sql: SqlClient, limit = 200): Promise<OfflineTicket[]> {
  const rows = await sql.query<{
    id: string;
    conversation_id: string | null;
    email: string;
    text: string;
    language: OfflineTicket['language'];
    created_at: Date;
    notified_at: Date | null;
  }>('SELECT * FROM offline_messages ORDER BY created_at DESC LIMIT $1', [limit]);
  return rows.map((r) => ({
    id: r.id,
    ...(r.conversation_id ? { conversationId: r.conversation_id } : {}),
    email: r.email,
    text: r.text,
    language: r.language,
    createdAt: isoOf(r.created_at),
    ...(r.notified_at ? { notifiedAt: iso(r.notified_at) } : {}),
  }));
}

/** Appends one operator action to the audit trail: who did what, on which conversation, when, with what outcome. */
export async function recordAction(
  sql: SqlClient,
  entry: { operatorId: string; action: string; conversationId?: string; outcome: string; at: string },
): Promise<void> {
  await sql.query(
    'INSERT INTO operator_actions (operator_id, action, conversation_id, outcome, at) VALUES ($1, $2, $3, $4, $5)',
    [entry.operatorId, entry.action, entry.conversationId ?? null, entry.outcome, entry.at],
  );
}
