import { randomUUID } from 'node:crypto';
import { migrate } from './migrations.js';
import { createPgliteClient, createPostgresClient, type SqlClient } from './sql.js';

/** A database for one test: a migrated client and a way to throw it away. */
export interface TestDatabase {
  sql: SqlClient;
  /** Extra clients on the same database (PostgreSQL: same schema), closed by `dispose`. */
  connect(): Promise<SqlClient>;
  dispose(): Promise<void>;
}

/** Opens an in-memory PGlite database; `migrated: false` leaves it empty. */
export async function pgliteTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const sql = await createPgliteClient();
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
