/**
 * The schema change the metrics need, proposed as migration `0003_metrics` for `store/migrations.ts` (the
 * store owns migrations; this file only states the SQL so tests and the benchmark can apply it meanwhile).
 *
 * - `messages_shopper_created_idx`: the shopper messages of a time range, with what the join needs, read from
 *   the index alone.
 * - `messages_agent_reply_idx`: a shopper message's reply and its first-token time, read from the index alone.
 * - `messages_conversation_author_idx`: a conversation's messages by author, for first and last shopper
 *   message and first answer, read from the index alone.
 * - `agent_tasks_started_idx`: agent tasks of a time range across all agents (`agent_tasks_agent_idx` leads with
 *   the agent, so it cannot serve a range over every agent).
 * - `messages.handoff_reason`: why an agent reply offered a human operator (e.g. `low_confidence`), null when it
 *   did not; set by the chat service when a reply carries a `handoff` annotation.
 */
export const METRICS_MIGRATION = {
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
} as const;
