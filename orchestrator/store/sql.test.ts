import { chmod, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgliteWorkerClient } from '../../agents/runtime/pglite-worker.js';
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

// A worker compiles PGlite's WebAssembly again and creates its database: seconds, far more on a loaded machine.
describe('SqlClient on PGlite on a worker thread', { timeout: 90_000 }, () => {
  sqlContract(() => pgliteTestDatabase({ migrated: false, worker: true }));

  it('keeps a transaction whole: a statement sent meanwhile waits for its end', async () => {
    const db = await pgliteTestDatabase({ migrated: false, worker: true });
    try {
      const { sql } = db;
      await sql.query('CREATE TABLE t (id int PRIMARY KEY, at timestamptz)');
      let inside!: () => void;
      const held = new Promise<void>((r) => {
        inside = r;
      });
      const tx = sql.transaction(async (t) => {
        await t.query('INSERT INTO t VALUES ($1, $2)', [1, new Date('2026-01-02T03:04:05Z')]);
        inside();
        await new Promise((r) => setTimeout(r, 50));
        await t.query('INSERT INTO t VALUES ($1, $2)', [2, null]);
      });
      await held;
      // Sent while the transaction is open: it sees both rows or none, never one.
      const counted = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      await tx;
      expect(counted[0]?.n).toBe(2);
      const [row] = await sql.query<{ at: Date }>('SELECT at FROM t WHERE id = 1');
      expect(row?.at).toEqual(new Date('2026-01-02T03:04:05Z'));
    } finally {
      await db.dispose();
    }
  });

  it("gives the database's errors their SQLSTATE code, and stays usable", async () => {
    const db = await pgliteTestDatabase({ migrated: false, worker: true });
    try {
      await db.sql.query('CREATE TABLE t (id int PRIMARY KEY)');
      await db.sql.query('INSERT INTO t VALUES (1)');
      await expect(db.sql.query('INSERT INTO t VALUES ($1)', [1])).rejects.toMatchObject({ code: '23505' });
      await expect(db.sql.transaction((tx) => tx.query('SELECT nope FROM t'))).rejects.toMatchObject({
        code: '42703',
      });
      expect(await db.sql.query('SELECT id FROM t')).toEqual([{ id: 1 }]);
    } finally {
      await db.dispose();
    }
  });

  it('persists under a data folder and reopens', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'atende-pglite-worker-')), 'pglite');
    const first = await createPgliteWorkerClient({ dataDir });
    await first.query('CREATE TABLE t (v text)');
    await first.query('INSERT INTO t VALUES ($1)', ['kept']);
    await first.close();
    await expect(first.query('SELECT 1')).rejects.toThrow(/worker stopped/);
    const again = await createPgliteWorkerClient({ dataDir });
    try {
      expect(await again.query('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      await again.close();
    }
  }, 60_000);
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

// Creating a database on disk runs initdb in a child process, then opens it: seconds, more on a loaded machine.
describe('the embedded database on disk', { timeout: 90_000 }, () => {
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
