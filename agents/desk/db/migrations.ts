import type { Migration } from '../../runtime/index.js';

/** The desk's tables: the handoffs and all that is said and done in them, the operators, offline messages, admins' settings. */
export const DESK_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_desk',
    statements: [
      // One row per handoff task; `owner` is the service token subject that created it (who may see the task).
      `CREATE TABLE handoffs (
        task_id text PRIMARY KEY,
        context_id text NOT NULL,
        owner text NOT NULL,
        conversation_id text NOT NULL,
        shopper_subject text NOT NULL,
        role text NOT NULL,
        shopper_name text,
        language text NOT NULL,
        reason text NOT NULL,
        sentiment jsonb,
        topic text,
        transcript jsonb NOT NULL,
        request_message jsonb NOT NULL,
        state text NOT NULL,
        offline_reason text,
        queued_at timestamptz NOT NULL,
        assigned_at timestamptz,
        operator_id text,
        operator_name text,
        first_response_at timestamptz,
        ended_at timestamptz,
        updated_at timestamptz NOT NULL
      )`,
      'CREATE INDEX handoffs_state ON handoffs (state, queued_at)',
      'CREATE INDEX handoffs_conversation ON handoffs (conversation_id, queued_at)',
      `CREATE TABLE desk_messages (
        id uuid PRIMARY KEY,
        task_id text NOT NULL REFERENCES handoffs (task_id),
        author text NOT NULL CHECK (author IN ('shopper', 'operator')),
        operator_id text,
        operator_name text,
        text text NOT NULL,
        a2a_message jsonb,
        at timestamptz NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY
      )`,
      'CREATE INDEX desk_messages_task ON desk_messages (task_id, seq)',
      `CREATE TABLE notes (
        id uuid PRIMARY KEY,
        task_id text NOT NULL REFERENCES handoffs (task_id),
        operator_id text NOT NULL,
        operator_name text NOT NULL,
        text text NOT NULL,
        at timestamptz NOT NULL
      )`,
      'CREATE INDEX notes_task ON notes (task_id, at)',
      `CREATE TABLE operators (
        id text PRIMARY KEY,
        name text NOT NULL,
        status text NOT NULL,
        last_seen_at timestamptz NOT NULL,
        max_chats integer NOT NULL,
        last_assigned_at timestamptz
      )`,
      `CREATE TABLE offline_messages (
        id uuid PRIMARY KEY,
        owner text NOT NULL,
        conversation_id text,
        email text NOT NULL,
        text text NOT NULL,
        language text NOT NULL,
        created_at timestamptz NOT NULL,
        notified_at timestamptz
      )`,
      `CREATE TABLE operator_actions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        operator_id text NOT NULL,
        action text NOT NULL,
        conversation_id text,
        outcome text NOT NULL,
        at timestamptz NOT NULL
      )`,
    ],
  },
  {
    // Admins' overrides of the configuration (the configuration stays the default) and their own canned replies.
    id: '0002_desk_settings',
    statements: [
      `CREATE TABLE settings (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE canned_replies (
        id text PRIMARY KEY,
        title text NOT NULL,
        text text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL
      )`,
    ],
  },
];
