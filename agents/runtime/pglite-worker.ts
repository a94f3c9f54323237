import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initializeApart, type PgliteClientOptions, pgliteOptions, type SqlClient } from './database.js';
import { tightenTree } from './file-modes.js';

// PGlite on a worker thread: the database's WebAssembly runs beside the request thread instead of inside it, so on
// two cores the HTTP, TLS and SSE work of the orchestrator and the database's work overlap. The worker's source is
// inline (plain CommonJS), so it runs the same under tsx, from the esbuild bundle of dist/ and in the tests.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const opened = PGlite.create(workerData.options);
let turn = Promise.resolve();
// A transaction holds the turn from BEGIN to its end; other statements wait for it, as on one connection.
const exclusive = (fn) => {
  const run = turn.then(fn, fn);
  turn = run.catch(() => {});
  return run;
};
const transactions = new Map();
let nextTransaction = 1;
const failure = (error) => ({
  name: error && error.name,
  message: String((error && error.message) || error),
  code: error && error.code,
  severity: error && error.severity,
});
parentPort.on('message', async (m) => {
  try {
    const db = await opened;
    let result;
    if (m.op === 'query' && m.tx) {
      const open = transactions.get(m.tx);
      if (!open) throw new Error('the transaction has ended');
      result = (await open.tx.query(m.text, m.params)).rows;
    } else if (m.op === 'query') {
      result = await exclusive(async () => (await db.query(m.text, m.params)).rows);
    } else if (m.op === 'begin') {
      const id = nextTransaction++;
      result = await new Promise((started, failed) => {
        const done = exclusive(() =>
          db.transaction((tx) => new Promise((commit, rollback) => {
            transactions.set(id, { tx, commit, rollback, done });
            started(id);
          })),
        );
        done.catch((error) => { if (!transactions.has(id)) failed(error); });
      });
    } else if (m.op === 'end') {
      const open = transactions.get(m.tx);
      if (!open) throw new Error('the transaction has ended');
      transactions.delete(m.tx);
      if (m.commit) {
        open.commit();
        await open.done;
      } else {
        open.rollback(new Error('rolled back'));
        await open.done.catch(() => {});
      }
    } else if (m.op === 'close') {
      await db.close();
    }
    parentPort.postMessage({ id: m.id, result });
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: failure(error) });
  }
});
`;

/** An error the database raised in the worker, with its SQLSTATE `code` as the PostgreSQL drivers give it. */
class DatabaseError extends Error {
  code?: string;
  severity?: string;
}

/**
 * Opens PGlite on a worker thread (in memory, or persisted under `dataDir` with the same file modes as
 * `createPgliteClient`) behind the same {@link SqlClient}: statements and transactions are sent to the worker, rows
 * come back by structured clone (dates stay dates). A transaction holds the database until it ends, as on one
 * connection. `close` closes the database and stops the thread.
 */
export async function createPgliteWorkerClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const { dataDir } = options;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await tightenTree(dataDir);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initializeApart(dataDir);
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      pglite: createRequire(import.meta.url).resolve('@electric-sql/pglite'),
      options: pgliteOptions(options),
    },
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const failAll = (error: Error) => {
    dead ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (m: { id: number; result?: unknown; error?: Partial<DatabaseError> }) => {
    const waiting = pending.get(m.id);
    if (!waiting) return;
    pending.delete(m.id);
    if (m.error) {
      const error = new DatabaseError(m.error.message ?? 'database error');
      if (m.error.code) error.code = m.error.code;
      if (m.error.severity) error.severity = m.error.severity;
      waiting.reject(error);
    } else waiting.resolve(m.result);
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the database worker stopped (exit code ${code})`)));

  const call = <T>(message: Record<string, unknown>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  };

  function inTransaction(tx: number): SqlClient {
    const client: SqlClient = {
      query: <R>(text: string, params?: unknown[]) => call<R[]>({ op: 'query', text, params, tx }),
      // Nested calls join the enclosing transaction.
      transaction: (fn) => fn(client),
      close: async () => {
        throw new Error('close() is not available inside a transaction');
      },
    };
    return client;
  }

  // The first statement waits for the database to open, so a start-up failure surfaces here.
  await call({ op: 'query', text: 'SELECT 1' });
  if (dataDir !== undefined) await tightenTree(dataDir);
  return {
    query: <R>(text: string, params?: unknown[]) => call<R[]>({ op: 'query', text, params }),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const tx = await call<number>({ op: 'begin' });
      let result: T;
      try {
        result = await fn(inTransaction(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (!dead) await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
