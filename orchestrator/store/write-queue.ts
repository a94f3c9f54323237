import { DatabaseUnavailableError } from '../errors.js';
import { isDatabaseUnreachable } from './availability.js';
import type { SqlClient } from './sql.js';

/**
 * One write of the queue: its statements, run on `tx`. It MUST NOT commit anything itself or act on the outside
 * world (publish events, log, answer): it may be run inside a batch that is then rolled back and run again alone, so
 * whatever follows the write belongs after the `run` promise resolves (the write has committed by then). A write of
 * more than one statement wraps them in `tx.transaction(...)` (which joins the batch's, or opens its own when alone).
 */
export type Write<R> = (tx: SqlClient) => Promise<R>;

/** Options of {@link createWriteQueue}. */
export interface WriteQueueOptions {
  sql: SqlClient;
  /** Most writes committed together; 32 by default. */
  maxBatch?: number;
  /** How long the first write of an idle queue waits for company before its batch is written; 2 ms by default. */
  delayMs?: number;
  /** Most writes waiting for the writer; past that, callers wait for room (back-pressure). 512 by default. */
  maxQueued?: number;
  /**
   * How long a caller waits for room before it is refused with `DatabaseUnavailableError` (503, as when the
   * database is down): a stuck database makes callers fail, never hang. 5 s by default.
   */
  admitTimeoutMs?: number;
  /**
   * Batches written at once, on as many connections (a PostgreSQL pool); 1 by default, which orders every write.
   * PGlite has one connection: keep 1.
   */
  concurrency?: number;
  /** Told of every batch written: its size and whether it had to be taken apart (see `run`). */
  onBatch?(batch: { size: number; split: boolean }): void;
}

/** Shared transactions for small writes (group commit). */
export interface WriteQueue {
  /**
   * Queues `write` and resolves with its result once the transaction holding it has committed, or rejects with its
   * own error. Writes of one `key` (a conversation) are committed in the order `run` was called: a key is in one
   * batch in flight at most, so they never overtake each other (writes without a key have no order to keep). When a batch fails, its writes are run again one by one, so only the
   * write that fails is refused; when the database cannot be reached every write of the batch gets that error.
   */
  run<R>(write: Write<R>, key?: string): Promise<R>;
  /** Resolves once every write queued so far has been written (committed or refused). */
  flush(): Promise<void>;
  /** Writes waiting for the writer, and callers waiting for room. */
  size(): { queued: number; waiting: number };
}

interface Member {
  key?: string;
  write: Write<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Writers that commit the writes queued within `delayMs` of each other (or `maxBatch` at once) in one transaction,
 * so a burst of messages costs one commit instead of one each. While the writers are busy the next batch gathers,
 * and is written as soon as one is free.
 */
export function createWriteQueue(options: WriteQueueOptions): WriteQueue {
  const { sql, maxBatch = 32, delayMs = 2, maxQueued = 512, admitTimeoutMs = 5_000, onBatch } = options;
  const concurrency = options.concurrency ?? 1;
  const queued: Member[] = [];
  // Callers waiting for room, in arrival order.
  const waiting: Array<() => void> = [];
  // Batches being written, how many, and the keys they hold.
  const inFlight = new Set<Promise<void>>();
  let writers = 0;
  const busy = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  /** Runs one write alone (in its own statement, or its own transaction if it opens one). */
  async function alone(member: Member) {
    try {
      member.resolve(await member.write(sql));
    } catch (error) {
      member.reject(error);
    }
  }

  async function writeBatch(batch: Member[]) {
    if (batch.length === 1 && batch[0]) {
      onBatch?.({ size: 1, split: false });
      return alone(batch[0]);
    }
    let results: unknown[];
    try {
      results = await sql.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const member of batch) out.push(await member.write(tx));
        return out;
      });
    } catch (error) {
      onBatch?.({ size: batch.length, split: !isDatabaseUnreachable(error) });
      if (isDatabaseUnreachable(error)) {
        for (const member of batch) member.reject(error);
        return;
      }
      // One bad write must not cost the others theirs: each is tried again on its own, in order.
      for (const member of batch) await alone(member);
      return;
    }
    onBatch?.({ size: batch.length, split: false });
    batch.forEach((member, i) => {
      member.resolve(results[i]);
    });
  }

  function admitWaiting() {
    // Admitted callers queue their write a moment later: room is counted for them now.
    for (let room = maxQueued - queued.length; waiting.length && room > 0; room--) waiting.shift()?.();
  }

  /**
   * The next batch: queued writes in order, skipping those whose key a batch in flight holds (and, so that a key's
   * writes stay in order, every later write of a key already skipped).
   */
  function takeBatch(): Member[] {
    const batch: Member[] = [];
    const skipped = new Set<string>();
    for (let i = 0; i < queued.length && batch.length < maxBatch; ) {
      const member = queued[i] as Member;
      const key = member.key;
      if (key !== undefined && (busy.has(key) || skipped.has(key))) {
        skipped.add(key);
        i++;
        continue;
      }
      queued.splice(i, 1);
      batch.push(member);
    }
    return batch;
  }

  /** Starts batches on free writers; `all` once the queued writes have waited long enough (timer, writer free). */
  function drain(all = true) {
    clearTimeout(timer);
    timer = undefined;
    while (writers < concurrency && queued.length && (all || queued.length >= maxBatch)) {
      const batch = takeBatch();
      if (!batch.length) break; // every queued write waits for a key in flight
      admitWaiting();
      const keys = batch.flatMap((m) => (m.key === undefined ? [] : [m.key]));
      for (const key of keys) busy.add(key);
      writers++;
      const done = writeBatch(batch).finally(() => {
        writers--;
        for (const key of keys) busy.delete(key);
        inFlight.delete(done);
        // What queued while a batch was written has waited long enough: it goes next, without a timer.
        drain();
      });
      inFlight.add(done);
    }
    // Writes held back by a key in flight are taken when its batch ends, not by the timer.
    if (!all && queued.length && !timer && writers < concurrency) timer = setTimeout(drain, delayMs);
  }

  function schedule() {
    if (writers >= concurrency) return; // a writer takes it when its batch is done
    if (queued.length >= maxBatch) drain(false);
    else timer ??= setTimeout(drain, delayMs);
  }

  function room(): Promise<void> {
    return new Promise((resolve, reject) => {
      const admit = () => {
        clearTimeout(refusal);
        resolve();
      };
      const refusal = setTimeout(() => {
        const at = waiting.indexOf(admit);
        if (at >= 0) waiting.splice(at, 1);
        reject(new DatabaseUnavailableError(new Error('the chat log write queue stayed full')));
      }, admitTimeoutMs);
      waiting.push(admit);
    });
  }

  return {
    async run<R>(write: Write<R>, key?: string): Promise<R> {
      // Fair: a newcomer does not jump callers already waiting for room.
      if (queued.length >= maxQueued || waiting.length) await room();
      return new Promise<R>((resolve, reject) => {
        queued.push({ key, write, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    size: () => ({ queued: queued.length, waiting: waiting.length }),
    async flush() {
      while (queued.length || inFlight.size) {
        drain();
        await Promise.all([...inFlight]);
      }
    },
  };
}
