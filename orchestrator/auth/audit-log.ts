import type { SqlClient } from '../store/index.js';

/** Security events written to the append-only audit log. */
export type AuditEvent =
  | 'register'
  | 'login_succeeded'
  | 'login_failed'
  | 'login_locked'
  | 'login_address_limited'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'password_rehashed'
  | 'token_refused'
  | 'origin_refused'
  | 'inspector_test_message'
  | 'role_refused'
  | 'rate_limited'
  | 'desk_action'
  | 'desk_context_viewed';

/** One audit entry as read back. */
export interface AuditEntry {
  id: number;
  at: Date;
  event: AuditEvent;
  subject: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** The append-only audit log; the database itself refuses UPDATE, DELETE and TRUNCATE on it. */
export interface AuditLog {
  record(entry: {
    event: AuditEvent;
    subject?: string;
    ip?: string;
    requestId?: string;
    details?: object;
  }): Promise<void>;
  recent(options?: { limit?: number; event?: AuditEvent; subject?: string }): Promise<AuditEntry[]>;
}

/** Creates the audit log over `sql`. */
export function createAuditLog(options: { sql: SqlClient }): AuditLog {
  const { sql } = options;
  return {
    async record(entry) {
      await sql.query(
        'insert into audit_log (event, subject, ip, request_id, details) values ($1, $2, $3, $4, $5)',
        [
          entry.event,
          entry.subject ?? null,
          entry.ip ?? null,
          entry.requestId ?? null,
          JSON.stringify(entry.details ?? {}),
        ],
      );
    },
    async recent(opts = {}) {
      const rows = await sql.query<{
        id: string | number;
        at: Date | string;
        event: AuditEvent;
        subject: string | null;
        ip: string | null;
        request_id: string | null;
        details: Record<string, unknown> | string;
      }>(
        `select id, at, event, subject, ip, request_id, details from audit_log
          where ($1::text is null or event = $1) and ($2::text is null or subject = $2)
          order by id desc limit $3`,
        [opts.event ?? null, opts.subject ?? null, opts.limit ?? 100],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        at: new Date(r.at),
        event: r.event,
        subject: r.subject,
        ip: r.ip,
        requestId: r.request_id,
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      }));
    },
  };
}

/**
 * An audit log that records events anyone can cause under a cap: once `limiter` has spent the points of an entry's
 * key (its address, else its subject), further entries are dropped, so a scripted flood cannot fill the
 * append-only log. A failing write is reported to `onError`, never thrown.
 */
export function cappedAudit(options: {
  audit: AuditLog;
  limiter: { consume(key: string): Promise<unknown> };
  onError: (error: unknown, entry: Parameters<AuditLog['record']>[0]) => void;
}): AuditLog {
  const { audit, limiter, onError } = options;
  return {
    async record(entry) {
      const key = entry.ip ?? entry.subject ?? 'unknown';
      const allowed = await limiter.consume(key).then(
        () => true,
        () => false,
      );
      if (!allowed) return;
      await audit.record(entry).catch((error: unknown) => onError(error, entry));
    },
    recent: (query) => audit.recent(query),
  };
}
