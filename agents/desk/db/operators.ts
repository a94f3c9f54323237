import type { SqlClient } from '../../runtime/index.js';
import type { OperatorRef, OperatorStatus } from '../protocol.js';

/** An operator as the desk stores them. */
export interface OperatorRecord extends OperatorRef {
  status: 'online' | 'away';
  lastSeenAt: string;
  maxChats: number;
}

/** Who counts as online: status online and seen within the presence TTL before `now`. */
export interface PresenceWindow {
  now: string;
  ttlSec: number;
}

const ONLINE = `status = 'online' AND last_seen_at > $1::timestamptz - make_interval(secs => $2)`;

/**
 * Refreshes the operator's `last_seen_at`, creating them (as away, named by their id, with `maxChats`) when
 * unknown; `presence` also sets their name and status. Returns the operator.
 */
export async function touchOperator(
  sql: SqlClient,
  options: {
    id: string;
    at: string;
    maxChats: number;
    presence?: { name: string; status: 'online' | 'away' };
  },
): Promise<OperatorRecord> {
  const { id, at, maxChats, presence } = options;
  const [row] = await sql.query<{ id: string; name: string; status: string; max_chats: number }>(
    presence
      ? `INSERT INTO operators (id, name, status, last_seen_at, max_chats) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = $2, status = $3, last_seen_at = $4 RETURNING *`
      : `INSERT INTO operators (id, name, status, last_seen_at, max_chats) VALUES ($1, $1, 'away', $2, $3)
         ON CONFLICT (id) DO UPDATE SET last_seen_at = $2 RETURNING *`,
    presence ? [id, presence.name, presence.status, at, maxChats] : [id, at, maxChats],
  );
  if (!row) throw new Error('operator upsert returned nothing');
  return {
    id: row.id,
    name: row.name,
    status: row.status as OperatorRecord['status'],
    lastSeenAt: at,
    maxChats: row.max_chats,
  };
}

/** The operator `id`, or undefined. */
export async function getOperator(sql: SqlClient, id: string): Promise<OperatorRef | undefined> {
  const [row] = await sql.query<{ id: string; name: string }>(
    'SELECT id, name FROM operators WHERE id = $1',
    [id],
  );
  return row;
}

/** Every operator with their presence (offline when not seen within the window) and active chats. */
export async function listOperators(sql: SqlClient, window: PresenceWindow): Promise<OperatorStatus[]> {
  const rows = await sql.query<{
    id: string;
    name: string;
    online: boolean;
    status: string;
    max_chats: number;
    active: number | string;
  }>(
    `SELECT o.id, o.name, o.status, o.max_chats, (${ONLINE}) AS online,
       (SELECT count(*) FROM handoffs h WHERE h.state = 'assigned' AND h.operator_id = o.id) AS active
     FROM operators o ORDER BY o.name, o.id`,
    [window.now, window.ttlSec],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.online ? 'online' : r.status === 'away' && !r.online ? 'away' : 'offline',
    activeChats: Number(r.active),
    maxChats: r.max_chats,
  }));
}

/** How many operators are online now. */
export async function countOnline(sql: SqlClient, window: PresenceWindow): Promise<number> {
  const [row] = await sql.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM operators WHERE ${ONLINE}`,
    [window.now, window.ttlSec],
  );
  return Number(row?.n ?? 0);
}

/** How many conversations the operator holds now, and their limit. */
export async function loadOf(
  sql: SqlClient,
  id: string,
): Promise<{ active: number; maxChats: number } | undefined> {
  const [row] = await sql.query<{ max_chats: number; active: number | string }>(
    `SELECT o.max_chats, (SELECT count(*) FROM handoffs h WHERE h.state = 'assigned' AND h.operator_id = o.id) AS active
     FROM operators o WHERE o.id = $1`,
    [id],
  );
  return row ? { active: Number(row.active), maxChats: row.max_chats } : undefined;
}

/**
 * For round-robin assignment: the online operator under their limit with the fewest active chats, ties going to
 * whoever was assigned least recently; marks them assigned at `now`. Undefined when everyone is full or away.
 */
export async function pickOperator(sql: SqlClient, window: PresenceWindow): Promise<OperatorRef | undefined> {
  const [row] = await sql.query<{ id: string; name: string }>(
    `WITH load AS (
       SELECT o.id, o.name, o.max_chats, o.last_assigned_at,
         (SELECT count(*) FROM handoffs h WHERE h.state = 'assigned' AND h.operator_id = o.id) AS active
       FROM operators o WHERE ${ONLINE}
     )
     UPDATE operators SET last_assigned_at = $1 WHERE id = (
       SELECT id FROM load WHERE active < max_chats
       ORDER BY active, last_assigned_at NULLS FIRST, id LIMIT 1
     ) RETURNING id, name`,
    [window.now, window.ttlSec],
  );
  return row;
}
