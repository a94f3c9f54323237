import { randomUUID } from 'node:crypto';
import { createPgliteWorkerClient } from '../../agents/runtime/pglite-worker.js';
import type { ChatLog, CloseExchangeInput, Conversation, Exchange } from './chat-log.js';
import { migrate } from './migrations.js';
import { createPgliteClient, createPostgresClient, type SqlClient } from './sql.js';

/** A database for one test: a migrated client and a way to throw it away. */
export interface TestDatabase {
  sql: SqlClient;
  /** Extra clients on the same database (PostgreSQL: same schema), closed by `dispose`. */
  connect(): Promise<SqlClient>;
  dispose(): Promise<void>;
}

/** Opens an in-memory PGlite database (on a worker thread with `worker`); `migrated: false` leaves it empty. */
export async function pgliteTestDatabase({ migrated = true, worker = false } = {}): Promise<TestDatabase> {
  const sql = worker ? await createPgliteWorkerClient() : await createPgliteClient();
  if (migrated) await migrate({ sql });
  return {
    sql,
    connect: async () => sql,
    dispose: () => sql.close(),
  };
}

/** Opens a fresh random schema on the PostgreSQL server at `url`; `dispose` drops it. */
export async function postgresTestDatabase(url: string, { migrated = true } = {}): Promise<TestDatabase> {
  const schema = `test_store_${randomUUID().replaceAll('-', '')}`;
  const clients: SqlClient[] = [];
  const connect = async () => {
    const client = await createPostgresClient({ connectionString: url, schema, maxConnections: 4 });
    clients.push(client);
    return client;
  };
  const sql = await connect();
  if (migrated) await migrate({ sql });
  return {
    sql,
    connect,
    async dispose() {
      await Promise.all(clients.map((client) => client.close()));
      const admin = await createPostgresClient({ connectionString: url, maxConnections: 1 });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = new Date('2025-03-01T09:00:00.000Z')) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
  };
}

/** One exchange for {@link seedExchange}; everything has a default. */
export interface SeedExchangeInput {
  /** A conversation to continue, written to as its own subject; when absent a new one of `subject` is started. */
  conversation?: Pick<Conversation, 'id' | 'subject'>;
  /** Subject of a new conversation; defaults to `guest:seed`. */
  subject?: string;
  /** Role and locale of a new conversation; default `guest` and `pt-BR`. */
  role?: string;
  locale?: string;
  /** The shopper's message; defaults to `oi`. */
  text?: string;
  correlationId?: string;
  /**
   * How the reply ends, through `closeExchange` at the log's time then (answered, or failed with `errorCode`);
   * the reply text defaults to `resposta`, the agents to none. When absent the reply stays `streaming`.
   */
  close?: Omit<CloseExchangeInput, 'replyId' | 'text' | 'agents'> &
    Partial<Pick<CloseExchangeInput, 'text' | 'agents'>>;
}

/**
 * Writes one exchange through the chat log's own write API, as production does: `openExchange`, then
 * `closeExchange` when `close` is given. Both happen at the log's current time: to place them apart, open without
 * `close` and call `closeExchange` once the clock has moved. Resolves to what `openExchange` returned, with `reply`
 * as `closeExchange` left it.
 */
export async function seedExchange(chatLog: ChatLog, input: SeedExchangeInput = {}): Promise<Exchange> {
  const { conversation, close } = input;
  const opened = await chatLog.openExchange({
    conversationId: conversation?.id,
    subject: conversation?.subject ?? input.subject ?? 'guest:seed',
    role: input.role ?? 'guest',
    locale: input.locale ?? 'pt-BR',
    text: input.text ?? 'oi',
    correlationId: input.correlationId ?? 'seed',
  });
  if (close === undefined) return opened;
  const reply = await chatLog.closeExchange({
    ...close,
    replyId: opened.reply.id,
    text: close.text ?? 'resposta',
    agents: close.agents ?? [],
  });
  return { ...opened, reply };
}
