import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { tightenTree } from './file-modes.js';
import { PG_SIZE } from './pg-size.js';

/** The few database operations the store needs, implemented by PGlite and by a PostgreSQL pool alike. */
export interface SqlClient {
  /** Runs one parameterised statement and returns its rows; values MUST go through `params`, never into `text`. */
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `fn` inside one transaction, committed when it resolves and rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Releases the connection(s); the client MUST NOT be used afterwards. */
  close(): Promise<void>;
}

/** One schema change: applied once, in `id` order, and recorded in `schema_migrations`. */
export interface Migration {
  /** Sortable, unique and never renamed once released, e.g. `0001_chat_log`. */
  id: string;
  /** Statements run in order; one statement each, since PGlite's parameterised protocol accepts no batches. */
  statements: readonly string[];
}

/** Options of {@link createPgliteClient}. */
export interface PgliteClientOptions {
  /** Directory holding the database files (created when missing); undefined keeps the database in memory. */
  dataDir?: string;
  /**
   * PostgreSQL's `shared_buffers` inside PGlite, e.g. `16MB`; PGlite's default (128MB) when absent. PGlite allocates
   * and zeroes all of it in its WebAssembly memory when it opens, so it is resident from the start.
   */
  sharedBuffers?: string;
}

/**
 * Creates a new PGlite database under `dataDir` in a short-lived child process. Creating one (initdb) takes PGlite
 * to about 850 MiB; a process that then opens the existing database stays near 340 MiB, and memory a process once
 * held is not given back. So the service never carries the creation's peak.
 */
export async function initializeApart(dataDir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const code = `require(process.argv[1]).PGlite.create({ dataDir: process.argv[2] })
    .then((db) => db.close()).catch((error) => { console.error(error); process.exit(1); });`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', code, pglite, dataDir],
      { timeout: 300_000 },
      (error, _stdout, stderr) =>
        error
          ? reject(new Error(`could not create the database in ${dataDir}: ${stderr || error.message}`))
          : resolve(),
    );
  });
}

/** What `PGlite.create` is given for {@link PgliteClientOptions} (also on a worker thread). */
export function pgliteOptions({ dataDir, sharedBuffers }: PgliteClientOptions): PGliteOptions {
  if (sharedBuffers !== undefined && !PG_SIZE.test(sharedBuffers)) {
    throw new Error(`invalid shared_buffers ${JSON.stringify(sharedBuffers)}: use a size such as 16MB`);
  }
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(sharedBuffers === undefined
      ? {}
      : { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`] }),
  };
}

/** Opens an embedded PGlite database, in memory or persisted under `dataDir`. */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const { dataDir } = options;
  if (dataDir !== undefined) {
    // The database holds password hashes, audit logs and conversations: only the service's user may enter its folder
    // or read a file in it. PGlite makes its files 0666 under a permissive umask, so an older install is tightened
    // here, and what this start creates is tightened once PGlite is open (the processes also set umask 077).
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await tightenTree(dataDir);
  }
  if (dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))) await initializeApart(dataDir);
  const db = await PGlite.create(pgliteOptions(options));
  if (dataDir !== undefined) await tightenTree(dataDir);

  function inTransaction(tx: Transaction): SqlClient {
    const client: SqlClient = {
      async query<R>(text: string, params?: unknown[]) {
        return (await tx.query<R>(text, params)).rows;
      },
      // Nested calls join the enclosing transaction.
      transaction: (fn) => fn(client),
      close: async () => {
        throw new Error('close() is not available inside a transaction');
      },
    };
    return client;
  }

  return {
    async query<R>(text: string, params?: unknown[]) {
      return (await db.query<R>(text, params)).rows;
    },
    transaction: (fn) => db.transaction((tx) => fn(inTransaction(tx))),
    close: () => db.close(),
  };
}

/** Options of {@link createPostgresClient}. */
export interface PostgresClientOptions {
  /** A `postgres://` URL. */
  connectionString: string;
  /** Schema to work in: created when missing and put first on every connection's `search_path`. */
  schema?: string;
  /** Largest number of pooled connections; defaults to 10. */
  maxConnections?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a pooled PostgreSQL client, optionally confined to one schema (created when missing). */
export async function createPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const { connectionString, schema, maxConnections = 10 } = options;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  }
  // Loaded here, not at import: a process on PGlite never needs the driver (about 110 ms of start-up).
  const { default: pgModule } = await import('pg');
  const pool: pg.Pool = new pgModule.Pool({
    connectionString,
    max: maxConnections,
    // Set at connection start-up, so every pooled connection sees the schema before its first query.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => {});

  if (schema !== undefined) {
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      // Two processes creating the same schema at once: the loser sees a unique violation; the schema exists.
      if (!isPgError(error, '23505') && !isPgError(error, '42P06')) {
        await pool.end();
        throw error;
      }
    }
  }

  function onConnection(conn: pg.PoolClient): SqlClient {
    const client: SqlClient = {
      async query<R>(text: string, params?: unknown[]) {
        return (await conn.query(text, params)).rows as R[];
      },
      // Nested calls join the enclosing transaction.
      transaction: (fn) => fn(client),
      close: async () => {
        throw new Error('close() is not available inside a transaction');
      },
    };
    return client;
  }

  return {
    async query<R>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as R[];
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const conn = await pool.connect();
      let broken = false;
      try {
        await conn.query('BEGIN');
        const result = await fn(onConnection(conn));
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await conn.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Applies every migration not yet recorded, in one transaction under an advisory lock; returns the ids applied. */
export async function runMigrations(sql: SqlClient, migrations: readonly Migration[]): Promise<string[]> {
  assertOrdered(migrations);
  return sql.transaction(async (tx) => {
    // Serialises concurrent starters on PostgreSQL (per schema); the lock is released at commit or rollback.
    // Under READ COMMITTED the statements after the wait see what the previous holder committed.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('atende.schema_migrations.' || current_schema()))");
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        id text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const done = new Set(
      (await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      applied.push(migration.id);
    }
    return applied;
  });
}

function assertOrdered(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]?.id ?? '';
    const current = migrations[i]?.id ?? '';
    if (current <= previous) {
      throw new Error(`migrations must have unique ids in ascending order: ${previous} before ${current}`);
    }
  }
}
