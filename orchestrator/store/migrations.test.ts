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
      'conversation_events',
      'conversation_ratings',
      'conversations',
      'messages',
      'refresh_tokens',
      'schema_migrations',
      'users',
    ]);
  });

  it('carries the messages of an existing chat log over into the event log, numbered per conversation', async () => {
    db = await open();
    const before = MIGRATIONS.findIndex((m) => m.id === '0005_conversation_events');
    await migrate({ sql: db.sql, migrations: MIGRATIONS.slice(0, before) });
    const [c, q, a] = [
      '11111111-1111-4111-8111-111111111111',
      '22222222-2222-4222-8222-222222222222',
      '33333333-3333-4333-8333-333333333333',
    ];
    await db.sql.query(
      `INSERT INTO conversations (id, subject, role, locale, created_at, last_activity_at)
       VALUES ($1, 's', 'guest', 'pt-BR', now(), now())`,
      [c],
    );
    await db.sql.query(
      `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status)
       VALUES ($1, $2, 'shopper', 'oi', now(), 'r', 'answered')`,
      [q, c],
    );
    await db.sql.query(
      `INSERT INTO messages (id, conversation_id, author, text, created_at, correlation_id, status, reply_to, agents, completed_at)
       VALUES ($1, $2, 'agent', 'olá!', now() + interval '1 second', 'r', 'answered', $3, '{assistant}', now())`,
      [a, c, q],
    );
    await migrate({ sql: db.sql });
    const events = await db.sql.query<{
      id: string;
      kind: string;
      author: string;
      data: { text: string; role: string };
    }>('SELECT id, kind, author, data FROM conversation_events WHERE conversation_id = $1 ORDER BY id', [c]);
    expect(events.map((e) => [Number(e.id), e.kind, e.author, e.data.role, e.data.text])).toEqual([
      [1, 'message', 'shopper', 'shopper', 'oi'],
      [2, 'message', 'assistant', 'agent', 'olá!'],
    ]);
    const [conversation] = await db.sql.query<{ last_event_id: string }>(
      'SELECT last_event_id FROM conversations WHERE id = $1',
      [c],
    );
    expect(Number(conversation?.last_event_id)).toBe(2);
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
