import type { SqlClient } from '../../runtime/index.js';
import type { CannedReply } from '../protocol.js';

/** The keys of the settings admins may override. */
export type SettingKey = 'hours' | 'time_zone';

/** The stored overrides, by key. */
export async function readSettings(sql: SqlClient): Promise<Partial<Record<SettingKey, string>>> {
  const rows = await sql.query<{ key: SettingKey; value: string }>('SELECT key, value FROM settings');
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Stores (or replaces) the overrides in `values`, by `by` at `at`. */
export async function writeSettings(
  sql: SqlClient,
  values: Partial<Record<SettingKey, string>>,
  by: string,
  at: string,
): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    await sql.query(
      `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,
         updated_at = EXCLUDED.updated_at`,
      [key, value, by, at],
    );
  }
}

/** The admins' own canned replies, oldest first. */
export async function listCustomReplies(sql: SqlClient): Promise<CannedReply[]> {
  const rows = await sql.query<{ id: string; title: string; text: string }>(
    'SELECT id, title, text FROM canned_replies ORDER BY created_at, id',
  );
  return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, custom: true }));
}

/** Stores a custom canned reply written by `createdBy`. */
export async function addCustomReply(
  sql: SqlClient,
  reply: { id: string; title: string; text: string; createdBy: string; createdAt: string },
): Promise<void> {
  await sql.query(
    'INSERT INTO canned_replies (id, title, text, created_by, created_at) VALUES ($1, $2, $3, $4, $5)',
    [reply.id, reply.title, reply.text, reply.createdBy, reply.createdAt],
  );
}

/** Deletes a custom canned reply; false when there was none with `id`. */
export async function deleteCustomReply(sql: SqlClient, id: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>('DELETE FROM canned_replies WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}
