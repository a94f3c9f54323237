import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration, migrate } from './migrations.js';
import { pgliteTestDatabase, postgresTestDatabase, type TestDatabase } from './test-support.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

function migrationContract(open: () => Promise<TestDatabase>) {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.dispose();
    db = undefined;
  });

  it('applies every migration once, however often it runs', async () => {
    db = await open();
    expect(await migrate({ sql: db.sql })).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await migrate({ sql: db.sql })).toEqual([]);
    const rows = await db.sql.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    const tables = await db.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'agent_tasks',
      'audit_log',
      'conversations',
      'messages',
      'refresh_tokens',
      'schema_migrations',
      'users',
    ]);
  });

  it('applies only the new migrations and rolls a failing one back entirely', async () => {
    db = await open();
    await migrate({ sql: db.sql });
    const extra: Migration = { id: '9001_extra', statements: ['CREATE TABLE extra (id int)'] };
    const broken: Migration = {
      id: '9002_broken',
      statements: ['CREATE TABLE half_done (id int)', 'SELECT * FROM no_such_table'],
    };
    await expect(migrate({ sql: db.sql, migrations: [...MIGRATIONS, extra, broken] })).rejects.toThrow();
    const tables = await db.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_name IN ('extra', 'half_done')`,
    );
    expect(tables).toEqual([]);
    expect(await migrate({ sql: db.sql, migrations: [...MIGRATIONS, extra] })).toEqual(['9001_extra']);
  });

  it('rejects migrations out of order', async () => {
    db = await open();
    const a: Migration = { id: '0002_a', statements: [] };
    const b: Migration = { id: '0001_b', statements: [] };
    await expect(migrate({ sql: db.sql, migrations: [a, b] })).rejects.toThrow(/ascending order/);
  });
}

describe('migrations on PGlite', () => {
  migrationContract(() => pgliteTestDatabase({ migrated: false }));
});

// PostgreSQL runs only when a server is available: set TEST_DATABASE_URL (each test gets its own random schema).
describe.skipIf(!postgresUrl)('migrations on PostgreSQL', () => {
  migrationContract(() => postgresTestDatabase(postgresUrl ?? '', { migrated: false }));

  it('migrates once when two processes start at the same time', async () => {
    const db = await postgresTestDatabase(postgresUrl ?? '', { migrated: false });
    try {
      const clients = await Promise.all([db.connect(), db.connect(), db.connect()]);
      const results = await Promise.all(clients.map((sql) => migrate({ sql })));
      expect(results.flat().sort()).toEqual(MIGRATIONS.map((m) => m.id));
      const rows = await db.sql.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      await db.dispose();
    }
  });
});
