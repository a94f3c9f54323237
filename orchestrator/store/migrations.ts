import { type Migration, runMigrations, type SqlClient } from './sql.js';

export type { Migration };

/** The store's migrations, shared by PGlite and PostgreSQL; append new ones, never edit released ones. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_chat_log',
    statements: [
      `CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        subject text NOT NULL,
        role text NOT NULL,
        locale text NOT NULL,
        created_at timestamptz NOT NULL,
        last_activity_at timestamptz NOT NULL,
        closed_at timestamptz,
        close_reason text
      )`,
      'CREATE INDEX conversations_subject_idx ON conversations (subject, created_at)',
      'CREATE INDEX conversations_created_at_idx ON conversations (created_at)',
      // seq breaks ties between messages stored within the same millisecond, so order and cursors stay stable.
      `CREATE TABLE messages (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        author text NOT NULL CHECK (author IN ('shopper', 'agent', 'system')),
        text text NOT NULL,
        created_at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        reply_to uuid REFERENCES messages (id) ON DELETE SET NULL,
        status text NOT NULL CHECK (status IN ('received', 'streaming', 'answered', 'failed')),
        first_token_at timestamptz,
        completed_at timestamptz,
        agents text[] NOT NULL DEFAULT '{}',
        citations jsonb NOT NULL DEFAULT '[]',
        error_code text
      )`,
      'CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, seq)',
      'CREATE INDEX messages_created_at_idx ON messages (created_at)',
      'CREATE INDEX messages_reply_to_idx ON messages (reply_to)',
      `CREATE TABLE agent_tasks (
        id uuid PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        agent text NOT NULL,
        skill text NOT NULL,
        task_id text,
        started_at timestamptz NOT NULL,
        first_event_at timestamptz,
        ended_at timestamptz,
        outcome text CHECK (outcome IN ('completed', 'failed', 'timeout', 'canceled', 'refused', 'unavailable')),
        error_code text
      )`,
      'CREATE INDEX agent_tasks_agent_idx ON agent_tasks (agent, started_at)',
      'CREATE INDEX agent_tasks_message_idx ON agent_tasks (message_id)',
    ],
  },
  {
    id: '0002_accounts_and_audit',
    statements: [
      `CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('customer', 'premium', 'operator', 'admin')),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      // Refresh tokens are opaque; only a SHA-256 of their secret is kept. A family is one login's chain of rotations.
      `CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`,
      'CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)',
      `CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        event text NOT NULL,
        subject text,
        ip text,
        request_id text,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      'CREATE INDEX audit_log_at_idx ON audit_log (at)',
      'CREATE INDEX audit_log_subject_idx ON audit_log (subject, at)',
      // Repudiation: the database itself keeps the audit log append-only, whatever the application does.
      `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
      $$`,
      `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
    ],
  },
  {
    // For the metrics over the chat log (orchestrator/metrics/summary.ts): each index lets one of its reads be
    // answered from the index alone on a large log; `handoff_reason` says why a reply offered a human.
    id: '0003_metrics',
    statements: [
      `CREATE INDEX messages_shopper_created_idx ON messages (created_at) INCLUDE (id, conversation_id)
        WHERE author = 'shopper'`,
      `CREATE INDEX messages_agent_reply_idx ON messages (reply_to) INCLUDE (first_token_at)
        WHERE author = 'agent'`,
      `CREATE INDEX messages_conversation_author_idx ON messages (conversation_id, author, created_at, seq)
        INCLUDE (id, first_token_at)`,
      'CREATE INDEX agent_tasks_started_idx ON agent_tasks (started_at) INCLUDE (agent)',
      'ALTER TABLE messages ADD COLUMN handoff_reason text',
    ],
  },
  {
    // The cards a reply showed (orders, offers, sign-in, hand-off…), so a reloaded chat shows them again.
    id: '0004_annotations',
    statements: ["ALTER TABLE messages ADD COLUMN annotations jsonb NOT NULL DEFAULT '[]'"],
  },
  {
    // The conversation event log (orchestrator/store/chat-log.ts): an ordered, durable log per conversation that
    // live readers follow. `id` is the event's position in its conversation, handed out by bumping
    // `conversations.last_event_id` in the writing transaction: the row lock orders writers, so ids are gap-free and
    // commit in id order, and a reader that has seen id n never misses an event n' < n committed later.
    // Existing messages are carried over as `message` events, so old conversations read the same way.
    id: '0005_conversation_events',
    statements: [
      'ALTER TABLE conversations ADD COLUMN last_event_id bigint NOT NULL DEFAULT 0',
      `CREATE TABLE conversation_events (
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id bigint NOT NULL,
        kind text NOT NULL CHECK (kind IN ('message', 'delta', 'annotation', 'status', 'queued', 'assigned', 'typing')),
        author text NOT NULL,
        message_id uuid,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (conversation_id, id)
      )`,
      // Compaction finds the deltas of a finished reply by its message.
      "CREATE INDEX conversation_events_delta_idx ON conversation_events (message_id) WHERE kind = 'delta'",
      `INSERT INTO conversation_events (conversation_id, id, kind, author, message_id, data, created_at)
       SELECT m.conversation_id,
              row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.created_at, m.seq),
              'message',
              CASE WHEN m.author = 'shopper' THEN 'shopper' WHEN m.author = 'system' THEN 'system'
                   ELSE COALESCE(m.agents[1], 'system') END,
              m.id,
              jsonb_build_object(
                'messageId', m.id, 'role', CASE WHEN m.author = 'shopper' THEN 'shopper' ELSE 'agent' END,
                'text', m.text, 'replyTo', m.reply_to,
                'status', CASE WHEN m.status = 'streaming' THEN 'failed' ELSE m.status END,
                'agents', to_jsonb(m.agents), 'citations', m.citations, 'annotations', m.annotations,
                'errorCode', m.error_code),
              COALESCE(m.completed_at, m.created_at)
       FROM messages m`,
      `UPDATE conversations c SET last_event_id = e.n
       FROM (SELECT conversation_id, max(id) AS n FROM conversation_events GROUP BY conversation_id) e
       WHERE e.conversation_id = c.id`,
    ],
  },
  {
    // The human desk (orchestrator/desk/): a conversation handed to a person remembers the desk's task, so the
    // shopper's next messages go there and any replica can follow it again after a restart; the handoff's state and
    // queue position are kept so that replicas following the same task append each change once. Operators write
    // messages; `handoff` events tell the shopper where the handoff is; each conversation gets one rating (CSAT).
    id: '0006_human_desk',
    statements: [
      'ALTER TABLE conversations ADD COLUMN handoff_task_id text',
      'ALTER TABLE conversations ADD COLUMN handoff_agent text',
      'ALTER TABLE conversations ADD COLUMN handoff_state text',
      'ALTER TABLE conversations ADD COLUMN handoff_position integer',
      'ALTER TABLE conversations ADD COLUMN handoff_reason text',
      'ALTER TABLE conversations ADD COLUMN handoff_at timestamptz',
      "CREATE INDEX conversations_open_handoff_idx ON conversations (handoff_at) WHERE handoff_state IN ('requested', 'queued', 'assigned')",
      // The desk's metrics read handoffs by when they began.
      'CREATE INDEX conversations_handoff_at_idx ON conversations (handoff_at) WHERE handoff_at IS NOT NULL',
      'ALTER TABLE messages DROP CONSTRAINT messages_author_check',
      "ALTER TABLE messages ADD CONSTRAINT messages_author_check CHECK (author IN ('shopper', 'agent', 'system', 'operator'))",
      'ALTER TABLE conversation_events DROP CONSTRAINT conversation_events_kind_check',
      `ALTER TABLE conversation_events ADD CONSTRAINT conversation_events_kind_check
        CHECK (kind IN ('message', 'delta', 'annotation', 'status', 'handoff', 'queued', 'assigned', 'typing'))`,
      `CREATE TABLE conversation_ratings (
        conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment text,
        resolved_by text NOT NULL CHECK (resolved_by IN ('bot', 'human')),
        created_at timestamptz NOT NULL
      )`,
      'CREATE INDEX conversation_ratings_created_at_idx ON conversation_ratings (created_at)',
    ],
  },
  {
    // Replicas (orchestrator/replicas/reply-leases.ts): each replica looks, every few seconds, for replies still
    // `streaming` whose replica has stopped; this index keeps that look cheap on a large log.
    id: '0007_streaming_replies',
    statements: [
      "CREATE INDEX messages_streaming_idx ON messages (created_at) INCLUDE (conversation_id) WHERE status = 'streaming'",
    ],
  },
];

/** Options of {@link migrate}. */
export interface MigrateOptions {
  sql: SqlClient;
  /** Defaults to {@link MIGRATIONS}; tests pass their own. */
  migrations?: readonly Migration[];
}

/** Applies the orchestrator's migrations not yet recorded (see `runMigrations`); returns the ids applied. */
export function migrate(options: MigrateOptions): Promise<string[]> {
  return runMigrations(options.sql, options.migrations ?? MIGRATIONS);
}
