import { createPgliteWorkerClient } from '../../agents/runtime/pglite-worker.js';
import { type ChatLog, createChatLog } from './chat-log.js';
import { endInterruptedReplies } from './interrupted-replies.js';
import { migrate } from './migrations.js';
import { createPgliteClient, createPostgresClient, type SqlClient } from './sql.js';

export {
  type AgentTaskOutcome,
  AgentTaskOutcomeSchema,
  type ChatLog,
  ChatLogError,
  type ChatLogOptions,
  type CloseExchangeInput,
  type Conversation,
  ConversationSchema,
  createChatLog,
  type Exchange,
  type ListMessagesOptions,
  type MessageAuthor,
  MessageAuthorSchema,
  type MessageStatus,
  MessageStatusSchema,
  type OpenExchangeInput,
  type RecordAgentTaskInput,
  type StoredMessage,
  StoredMessageSchema,
} from './chat-log.js';
export { MIGRATIONS, type MigrateOptions, type Migration, migrate } from './migrations.js';
export {
  createPgliteClient,
  createPostgresClient,
  type PgliteClientOptions,
  type PostgresClientOptions,
  type SqlClient,
} from './sql.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** A PostgreSQL URL; when set the store uses that server instead of PGlite. */
  databaseUrl?: string;
  /** Directory of the embedded PGlite database, used when `databaseUrl` is not set. */
  dataDir: string;
  /** PostgreSQL schema to work in (created when missing); defaults to the connection's search_path. */
  databaseSchema?: string;
  /** Run the embedded PGlite on a worker thread (`PGLITE_WORKER=on`). */
  pgliteWorker?: boolean;
  /** PGlite's `shared_buffers` (`PGLITE_SHARED_BUFFERS`); PGlite's default when absent. */
  pgliteSharedBuffers?: string;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
}

/** An open, migrated store. */
export interface Store {
  sql: SqlClient;
  chatLog: ChatLog;
  /** Closes the database; call once on shutdown. */
  close(): Promise<void>;
}

/** Opens PostgreSQL when `databaseUrl` is set, else PGlite at `dataDir`, and applies pending migrations. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { databaseUrl, dataDir, databaseSchema, now } = options;
  const sql = databaseUrl
    ? await createPostgresClient({ connectionString: databaseUrl, schema: databaseSchema })
    : options.pgliteWorker
      ? await createPgliteWorkerClient({ dataDir, sharedBuffers: options.pgliteSharedBuffers })
      : await createPgliteClient({ dataDir, sharedBuffers: options.pgliteSharedBuffers });
  try {
    await migrate({ sql });
    // PGlite is this process's alone: a reply still `streaming` was cut off when the last one stopped (a shared
    // PostgreSQL has the replicas' sweep for that, `replicas/reply-leases.ts`).
    if (!databaseUrl)
      await endInterruptedReplies({ sql, chatLog: createChatLog({ sql, groupCommit: false }) });
  } catch (error) {
    await sql.close();
    throw error;
  }
  return { sql, chatLog: createChatLog({ sql, now }), close: () => sql.close() };
}
