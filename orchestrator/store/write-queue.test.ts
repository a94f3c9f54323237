import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../errors.js';
import { guardAvailability } from './availability.js';
import type { SqlClient } from './sql.js';
import { pgliteTestDatabase, postgresTestDatabase, type TestDatabase } from './test-support.js';
import { createWriteQueue, type WriteQueueOptions } from './write-queue.js';

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The transaction a write ran in, and the row it inserted. */
async function insert(tx: SqlClient, key: string, seq: number): Promise<{ txid: string }> {
  const [row] = await tx.query<{ txid: string }>(
    'INSERT INTO queue_rows (key, seq) VALUES ($1, $2) RETURNING txid_current()::text AS txid',
    [key, seq],
  );
  return { txid: String(row?.txid) };
}

function queueContract(open: () => Promise<TestDatabase>) {
  let db: TestDatabase;
  let batches: Array<{ size: number; split: boolean }>;
  const queue = (options: Omit<WriteQueueOptions, 'sql' | 'onBatch'> = {}) =>
    createWriteQueue({ sql: db.sql, ...options, onBatch: (b) => batches.push(b) });

  beforeAll(async () => {
    db = await open();
    await db.sql.query(
      `CREATE TABLE queue_rows (n serial PRIMARY KEY, key text NOT NULL, seq int NOT NULL, UNIQUE (key, seq))`,
    );
  });
  afterAll(async () => {
    await db.dispose();
  });
  beforeEach(async () => {
    batches = [];
    await db.sql.query('DELETE FROM queue_rows');
  });

  it('commits the writes of one burst in one transaction, and each resolves with its own result', async () => {
    const q = queue();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => q.run((tx) => insert(tx, 'a', i))),
    );
    expect(new Set(results.map((r) => r.txid)).size).toBe(1);
    expect(batches).toEqual([{ size: 10, split: false }]);
    const rows = await db.sql.query<{ seq: number }>('SELECT seq FROM queue_rows ORDER BY n');
    expect(rows.map((r) => r.seq)).toEqual([...Array(10).keys()]);
  });

  it('writes a full batch at once, without waiting for the timer, and never more than maxBatch together', async () => {
    const q = queue({ maxBatch: 32, delayMs: 60_000 });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 70 }, (_, i) => q.run((tx) => insert(tx, 'b', i))),
    );
    // 64 fill two batches at once; the last 6 queued while those were written and go next, still without the timer.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(batches.map((b) => b.size)).toEqual([32, 32, 6]);
    expect(new Set(results.map((r) => r.txid)).size).toBe(3);
  });

  it('waits delayMs for company: a write arriving within it shares the transaction, a later one does not', async () => {
    const q = queue({ delayMs: 150 });
    const started = performance.now();
    const first = q.run((tx) => insert(tx, 'c', 1));
    await new Promise((r) => setTimeout(r, 30));
    const second = q.run((tx) => insert(tx, 'c', 2));
    const [a, b] = await Promise.all([first, second]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(a.txid).toBe(b.txid);
    const third = await q.run((tx) => insert(tx, 'c', 3));
    expect(third.txid).not.toBe(a.txid);
    expect(batches.map((x) => x.size)).toEqual([2, 1]);
  });

  it('isolates a failing write: the batch is taken apart, the others are committed and only it is refused', async () => {
    await db.sql.query('INSERT INTO queue_rows (key, seq) VALUES ($1, $2)', ['d', 3]);
    const q = queue();
    const settled = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((seq) => q.run((tx) => insert(tx, 'd', seq))), // 3 is a duplicate key
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect(batches).toEqual([{ size: 5, split: true }]);
    const rows = await db.sql.query<{ seq: number }>('SELECT seq FROM queue_rows WHERE key = $1 ORDER BY n', [
      'd',
    ]);
    expect(rows.map((r) => r.seq)).toEqual([3, 1, 2, 4, 5]);
  });

  it('keeps the order of each conversation, across batches and across batches taken apart', async () => {
    const q = queue({ maxBatch: 7 });
    await db.sql.query('INSERT INTO queue_rows (key, seq) VALUES ($1, $2)', ['k1', 10]);
    const keys = ['k0', 'k1', 'k2'];
    const writes = Array.from({ length: 60 }, (_, i) => ({
      key: keys[i % 3] as string,
      seq: Math.floor(i / 3),
    }));
    // k1's write number 10 fails (it exists): its batch is written member by member.
    const settled = await Promise.allSettled(
      writes.map(({ key, seq }) => q.run((tx) => insert(tx, key, seq))),
    );
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(batches.some((b) => b.split)).toBe(true);
    for (const key of keys) {
      const rows = await db.sql.query<{ seq: number }>(
        'SELECT seq FROM queue_rows WHERE key = $1 AND n > (SELECT min(n) FROM queue_rows) ORDER BY n',
        [key],
      );
      const all = [...Array(20).keys()];
      expect(rows.map((r) => r.seq)).toEqual(key === 'k1' ? all.filter((seq) => seq !== 10) : all);
    }
  });

  it('keeps the order of each conversation with several batches in flight (keyed writes)', async () => {
    const q = queue({ maxBatch: 5, concurrency: 3 });
    const keys = ['x0', 'x1', 'x2', 'x3'];
    // Keys arrive unevenly, so that some batches must skip a key another batch holds.
    const writes = Array.from({ length: 80 }, (_, i) => keys[(i * i + Math.floor(i / 3)) % 4] as string);
    const next = new Map<string, number>();
    const planned = writes.map((key) => {
      const seq = next.get(key) ?? 0;
      next.set(key, seq + 1);
      return { key, seq };
    });
    await Promise.all(planned.map(({ key, seq }) => q.run((tx) => insert(tx, key, seq), key)));
    expect(batches.length).toBeGreaterThan(1);
    for (const key of keys) {
      const rows = await db.sql.query<{ seq: number }>(
        'SELECT seq FROM queue_rows WHERE key = $1 ORDER BY n',
        [key],
      );
      expect(rows.map((r) => r.seq)).toEqual([...Array(next.get(key) ?? 0).keys()]);
    }
  });
}

describe('the chat log write queue on PGlite', () => {
  queueContract(() => pgliteTestDatabase({ migrated: false }));
});

describe.skipIf(!postgresUrl)('the chat log write queue on PostgreSQL (TEST_DATABASE_URL)', () => {
  queueContract(() => postgresTestDatabase(postgresUrl ?? '', { migrated: false }));
});

describe('the chat log write queue under pressure', () => {
  /** A database whose statements wait until `open()`. */
  function gated(): { sql: SqlClient; open(): void; calls: () => number } {
    let opened!: () => void;
    const gate = new Promise<void>((resolve) => {
      opened = resolve;
    });
    let calls = 0;
    const sql: SqlClient = {
      query: async <R>() => {
        calls++;
        await gate;
        return [{ ok: true }] as R[];
      },
      transaction: async (fn) => {
        await gate;
        return fn(sql);
      },
      close: async () => undefined,
    };
    return { sql, open: opened, calls: () => calls };
  }

  it('makes callers wait for room when the queue is full, and lets them in as batches are written', async () => {
    const db = gated();
    const q = createWriteQueue({ sql: db.sql, maxBatch: 2, maxQueued: 4, delayMs: 1 });
    const order: number[] = [];
    const runs = Array.from({ length: 12 }, (_, i) =>
      q.run(async (tx) => {
        order.push(i);
        return tx.query('SELECT 1');
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    // One batch of 2 is being written (and stuck); 4 wait in the queue; the other 6 callers wait for room.
    expect(q.size()).toEqual({ queued: 4, waiting: 6 });
    db.open();
    await Promise.all(runs);
    expect(order).toEqual([...Array(12).keys()]);
  });

  it('refuses callers that waited too long for room with database_unavailable instead of hanging', async () => {
    const db = gated();
    const q = createWriteQueue({ sql: db.sql, maxBatch: 1, maxQueued: 1, delayMs: 1, admitTimeoutMs: 200 });
    const first = q.run((tx) => tx.query('SELECT 1'));
    const second = q.run((tx) => tx.query('SELECT 2'));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await expect(q.run((tx) => tx.query('SELECT 3'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
    db.open();
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it('gives every write of a batch the database_unavailable error when the database is down, without retrying', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let attempts = 0;
    const down = guardAvailability({
      query: async () => {
        attempts++;
        throw refused;
      },
      transaction: async () => {
        attempts++;
        throw refused;
      },
      close: async () => undefined,
    });
    const batches: Array<{ size: number; split: boolean }> = [];
    const q = createWriteQueue({ sql: down, onBatch: (b) => batches.push(b) });
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, () => q.run((tx) => tx.query('SELECT 1'))),
    );
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailableError);
    }
    expect(attempts).toBe(1);
    expect(batches).toEqual([{ size: 5, split: false }]);
    // Later writes are tried again (the pool reconnects by itself) and fail as fast.
    await expect(q.run((tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await q.flush();
  });
});
