import { chmod, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgliteClient, createPostgresClient } from './sql.js';
import { pgliteTestDatabase, postgresTestDatabase, type TestDatabase } from './test-support.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

function sqlContract(open: () => Promise<TestDatabase>) {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.dispose();
    db = undefined;
  });

  it('passes parameters and commits a transaction', async () => {
    db = await open();
    const { sql } = db;
    await sql.query('CREATE TABLE t (id int PRIMARY KEY, name text)');
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', [1, "O'Brien; DROP TABLE t"]);
      // Nested calls join the outer transaction.
      await tx.transaction((inner) => inner.query('INSERT INTO t VALUES ($1, $2)', [2, 'b']));
    });
    expect(await sql.query('SELECT id, name FROM t ORDER BY id')).toEqual([
      { id: 1, name: "O'Brien; DROP TABLE t" },
      { id: 2, name: 'b' },
    ]);
  });

  it('rolls a transaction back when it throws', async () => {
    db = await open();
    const { sql } = db;
    await sql.query('CREATE TABLE t (id int PRIMARY KEY)');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1)', [1]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await sql.query('SELECT id FROM t')).toEqual([]);
    // The client is still usable afterwards.
    await sql.transaction((tx) => tx.query('INSERT INTO t VALUES ($1)', [3]));
    expect(await sql.query('SELECT id FROM t')).toEqual([{ id: 3 }]);
  });
}

describe('SqlClient on PGlite', () => {
  sqlContract(() => pgliteTestDatabase({ migrated: false }));
});

// PostgreSQL runs only when a server is available: set TEST_DATABASE_URL (each test gets its own random schema).
describe.skipIf(!postgresUrl)('SqlClient on PostgreSQL', () => {
  sqlContract(() => postgresTestDatabase(postgresUrl ?? '', { migrated: false }));

  it('works inside its own schema', async () => {
    const db = await postgresTestDatabase(postgresUrl ?? '', { migrated: false });
    try {
      const [row] = await db.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
      expect(row?.schema).toMatch(/^test_store_[0-9a-f]{32}$/);
    } finally {
      await db.dispose();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      createPostgresClient({ connectionString: postgresUrl ?? '', schema: 'x"; DROP SCHEMA public; --' }),
    ).rejects.toThrow(/invalid schema name/);
  });
});

describe('the embedded database on disk', () => {
  it('keeps its folder to the orchestrator’s user alone, even one created open to all', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'atende-pglite-')), 'pglite');
    await mkdir(dataDir, { mode: 0o777 });
    await chmod(dataDir, 0o777);
    const sql = await createPgliteClient({ dataDir });
    try {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      await sql.close();
    }
  });
});
