import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../agents/runtime/index.js';

// `ORCHESTRATOR_PROCESSES=N`: one primary forks N orchestrator processes (node:cluster) that share the listening
// socket of PORT; the primary accepts connections and hands them out in turn. The processes share what replicas share
// (PostgreSQL, the rate-limit store, DATA_DIR's keys); the primary serves nothing and opens no database.

/** What a worker tells the primary once it listens. */
const LISTENING = 'atende:listening';

/** Options of {@link runClusterPrimary}. */
export interface ClusterPrimaryOptions {
  /** How many processes serve the port; at least 1. */
  processes: number;
  logger: Logger;
  /** The address the processes serve, for the ready line. */
  url: string;
  /** First delay before a dead process is started again; doubles with each quick death. 500 ms by default. */
  restartDelayMs?: number;
  /** The longest such delay; 30 s by default. */
  maxRestartDelayMs?: number;
  /** A process that lived this long died of something new: its next restart waits the first delay again. 30 s. */
  stableAfterMs?: number;
  /** How long a stop waits for the processes to close before killing them; 20 s by default. */
  stopGraceMs?: number;
}

/** One of the N places a process serves in: its current process, when it started, its quick deaths in a row. */
interface Slot {
  worker?: Worker;
  startedAt: number;
  failures: number;
  /** A restart waiting for its back-off. */
  timer?: NodeJS.Timeout;
}

/** The delay before the restart that follows `failures` quick deaths in a row (0: the first). */
export function restartDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 20));
}

/**
 * Runs this process as the primary: starts one orchestrator process first and waits until it listens (it migrates
 * the database, creates the token keys and the demo accounts, makes the web build when missing), then the others;
 * logs `orchestrator listening` once every process listens. A process that dies is started again after a back-off;
 * SIGTERM and SIGINT stop every process gracefully (SIGKILL after `stopGraceMs`) and then this one. Exits with 1 if
 * the first process dies before it listens (a configuration or database problem no restart would cure).
 * MUST run in the primary only (`cluster.isPrimary`); workers re-run the same entry and call
 * {@link announceListening}.
 */
export function runClusterPrimary(options: ClusterPrimaryOptions): void {
  const { processes, logger } = options;
  const baseDelay = options.restartDelayMs ?? 500;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  const stableAfter = options.stableAfterMs ?? 30_000;
  const grace = options.stopGraceMs ?? 20_000;
  const slots = new Map<number, Slot>();
  const listened = new Set<number>();
  let othersForked = false;
  let ready = false;
  let stopping = false;

  function fork(slot: number) {
    const worker = cluster.fork({ ORCHESTRATOR_PROCESS_SLOT: String(slot) });
    const state = slots.get(slot) ?? { startedAt: 0, failures: 0 };
    slots.set(slot, { ...state, worker, startedAt: Date.now(), timer: undefined });
    logger.debug({ slot, workerPid: worker.process.pid }, 'orchestrator process started');
    worker.on('message', (message: unknown) => {
      if ((message as { type?: string } | null)?.type !== LISTENING) return;
      listened.add(slot);
      if (!othersForked) {
        othersForked = true;
        for (let other = 2; other <= processes; other++) fork(other);
      }
      if (!ready && listened.size === processes) {
        ready = true;
        const pids = [...slots.values()].map((s) => s.worker?.process.pid);
        logger.info({ url: options.url, processes, workerPids: pids }, 'orchestrator listening');
      } else if (ready) {
        logger.info({ slot, workerPid: worker.process.pid }, 'orchestrator process replaced and listening');
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const current = slots.get(slot);
      if (!current || current.worker !== worker) return;
      if (!listened.has(1)) {
        logger.error(
          { workerPid: worker.process.pid, code, signal },
          'the first orchestrator process stopped before it listened: see its lines above',
        );
        void stop(1);
        return;
      }
      const lived = Date.now() - current.startedAt;
      const failures = lived >= stableAfter ? 0 : current.failures;
      const delayMs = restartDelay(failures, baseDelay, maxDelay);
      logger.warn(
        { slot, workerPid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delayMs },
        'an orchestrator process died; starting another',
      );
      current.failures = failures + 1;
      current.worker = undefined;
      current.timer = setTimeout(() => fork(slot), delayMs);
    });
  }

  async function stop(code = 0) {
    if (stopping) return;
    stopping = true;
    const exits = [...slots.values()].map((slot) => {
      clearTimeout(slot.timer);
      const worker = slot.worker;
      if (!worker || worker.isDead()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // The worker's own SIGTERM handler closes its server, its streams and its database pool.
        worker.process.kill('SIGTERM');
        setTimeout(() => worker.process.kill('SIGKILL'), grace).unref();
      });
    });
    await Promise.all(exits);
    logger.info({ processes }, 'orchestrator processes stopped');
    process.exit(code);
  }

  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  fork(1);
}

/** In a worker: tells the primary this process listens. A no-op outside a cluster worker. */
export function announceListening(port: number): void {
  if (cluster.isWorker) process.send?.({ type: LISTENING, port });
}

/**
 * In a worker: calls `stop` when the primary goes away without stopping it (killed with SIGKILL), so no orphan keeps
 * the port and its database connections. A no-op outside a cluster worker.
 */
export function stopWithPrimary(stop: () => void): void {
  if (cluster.isWorker) process.once('disconnect', stop);
}
