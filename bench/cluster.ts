// `npx tsx bench/cluster.ts [--rates 5,10,20] [--seconds 10] [--store postgres|redis] [--source] [--json FILE]`:
// the rated load of one orchestrator process on PGlite, one on PostgreSQL and two (ORCHESTRATOR_PROCESSES=2) on
// PostgreSQL, in one run: each setup is a fresh mesh driven by the shopper simulation at the same rates, and one
// table shows them side by side. PostgreSQL is a fresh database on 127.0.0.1:5432 (as postgres), dropped after.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateCerts, loadTlsMaterial } from '../certs/certs.js';
import { publicFetch } from '../orchestrator/testing/harness.js';
import { buildServer, serverBuildIsStale } from '../scripts/build-server.js';
import { type Mesh, startMesh } from './mesh.js';
import { cpuMs, peakMemoryMiB, processTree, treeCpuMs } from './processes.js';
import { runStep, type StepResult } from './shoppers.js';

/** One way of running the orchestrator. */
export interface ClusterSetup {
  name: string;
  database: 'pglite' | 'postgres';
  processes: number;
}

/** The three setups item 7 compares. */
export const CLUSTER_SETUPS: readonly ClusterSetup[] = [
  { name: 'PGlite, 1 process', database: 'pglite', processes: 1 },
  { name: 'PostgreSQL, 1 process', database: 'postgres', processes: 1 },
  { name: 'PostgreSQL, 2 processes', database: 'postgres', processes: 2 },
];

/** Options of {@link runClusterComparison}. */
export interface ClusterComparisonOptions {
  /** Shoppers per second of each step, every setup at the same ones. */
  rates: number[];
  /** Length of each step. */
  seconds: number;
  /** The server where a fresh database is created (and dropped): its maintenance database. */
  adminUrl?: string;
  /** The shared rate-limit store of the PostgreSQL setups (`postgres` by default; `redis` needs `redisUrl`). */
  store?: 'postgres' | 'redis';
  redisUrl?: string;
  /** Run dist/ (built first when stale), as `npm start` does; true by default. */
  compiled?: boolean;
  setups?: readonly ClusterSetup[];
  log?: (line: string) => void;
}

/** One step of one setup. */
export interface ClusterRow {
  setup: string;
  processes: number;
  step: StepResult;
  /** CPU of the orchestrator's processes (a cluster's primary and workers summed) per chat message. */
  orchestratorCpuMsPerMessage: number;
  /** The setup's peak resident memory, summed over the orchestrator's processes (each one's VmHWM). */
  orchestratorPeakMiB: number;
  /** CPU the orchestrator's processes use with no shopper (discovery, sweeps, listeners), ms per second. */
  orchestratorIdleCpuMsPerSec: number;
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Starts a fresh mesh for each setup in turn (a fresh PGlite folder, or a schema of its own in one fresh PostgreSQL
 * database), runs a short warm-up and then every rate, and stops it; resolves to the rows of all setups. The
 * database is dropped at the end, whatever happens.
 */
export async function runClusterComparison(options: ClusterComparisonOptions): Promise<ClusterRow[]> {
  const log = options.log ?? console.error;
  const root = join(import.meta.dirname, '..');
  const compiled = options.compiled ?? true;
  if (compiled && (await serverBuildIsStale(root))) {
    log('building dist/ …');
    await buildServer(root);
  }
  const work = await mkdtemp(join(tmpdir(), 'atende-bench-cluster-'));
  const certsDir = join(work, 'certs');
  await generateCerts({ dir: certsDir });
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_URL;
  const database = `atende_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const setups = options.setups ?? CLUSTER_SETUPS;
  const needsPostgres = setups.some((s) => s.database === 'postgres');
  if (needsPostgres) await admin(`CREATE DATABASE "${database}"`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  const rows: ClusterRow[] = [];
  try {
    for (const [index, setup] of setups.entries()) {
      const env: Record<string, string> =
        setup.database === 'postgres'
          ? {
              DATABASE_URL: databaseUrl.href,
              DATABASE_SCHEMA: `setup_${index + 1}`,
              RATE_LIMIT_STORE: options.store ?? 'postgres',
              ...(options.store === 'redis' && options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
              ORCHESTRATOR_PROCESSES: String(setup.processes),
            }
          : {};
      log(`${setup.name}: starting the mesh …`);
      const mesh = await startMesh({
        certsDir,
        dataDir: join(work, `data-${index + 1}`),
        deskDataDir: join(work, `desk-${index + 1}`),
        compiled,
        env,
        // The desk's PGlite is created anew for each setup: slow on a loaded machine.
        readyTimeoutMs: 120_000,
      });
      try {
        await untilEveryProcessServes(mesh, setup.processes);
        // What the processes cost with nobody shopping: part of every message's CPU figure below.
        const idleFrom = treeCpuMs(mesh.orchestrator.pid);
        await new Promise((r) => setTimeout(r, 5_000));
        const idle = (treeCpuMs(mesh.orchestrator.pid) - idleFrom) / 5;
        // Connections, JIT and the database's caches warmed at the lowest rate; not counted.
        await runStep({ mesh, rate: Math.min(...options.rates), durationSec: 3 });
        for (const rate of options.rates) {
          log(`${setup.name}: ${rate} shoppers/s for ${options.seconds} s …`);
          const before = treeCpuMs(mesh.orchestrator.pid);
          const primaryBefore = cpuMs(mesh.orchestrator.pid);
          const step = await runStep({ mesh, rate, durationSec: options.seconds });
          const cpu = treeCpuMs(mesh.orchestrator.pid) - before;
          const primary = cpuMs(mesh.orchestrator.pid) - primaryBefore;
          rows.push({
            setup: setup.name,
            processes: setup.processes,
            step,
            orchestratorCpuMsPerMessage: cpu / Math.max(1, step.messages),
            orchestratorPeakMiB: Number.NaN,
            orchestratorIdleCpuMsPerSec: idle,
          });
          log(
            `    ${step.messagesPerSec.toFixed(1)} msg/s, first delta p95 ${step.firstDeltaMs.p95.toFixed(0)} ms, errors ${step.errors}` +
              (setup.processes > 1 ? `, primary ${f2(primary / Math.max(1, step.messages))} CPU ms/msg` : ''),
          );
        }
        const peaks = processTree(mesh.orchestrator.pid).map((pid) => peakMemoryMiB(pid) || 0);
        const peak = peaks.reduce((sum, p) => sum + p, 0);
        if (peaks.length > 1)
          log(`    peak RSS MiB: primary ${peaks[0]}, processes ${peaks.slice(1).join(', ')}`);
        for (const row of rows) if (row.setup === setup.name) row.orchestratorPeakMiB = peak;
      } finally {
        await mesh.stop();
      }
    }
  } finally {
    if (needsPostgres) {
      await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((error: unknown) =>
        log(`could not drop the database ${database}: ${(error as Error).message}`),
      );
    }
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

/**
 * Resolves once `processes` distinct orchestrator processes have answered: the primary hands each new connection to
 * the next process that listens, and each answer names its process in `X-Orchestrator-Process`.
 */
async function untilEveryProcessServes(mesh: Mesh, processes: number) {
  if (processes <= 1) return;
  const { ca } = await loadTlsMaterial(mesh.certsDir, 'orchestrator');
  const seen = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (seen.size < processes) {
    if (Date.now() > deadline)
      throw new Error(`only ${seen.size} of ${processes} orchestrator processes answered`);
    const web = publicFetch(ca);
    try {
      const response = await web.fetch(`${mesh.url}/healthz`);
      await response.body?.cancel();
      const slot = response.headers.get('x-orchestrator-process');
      if (slot) seen.add(slot);
    } finally {
      await web.close();
    }
    if (seen.size < processes) await new Promise((r) => setTimeout(r, 200));
  }
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** The goals of `npm run bench` (c): first-delta p95 under 500 ms, fewer than 2 % of the shoppers abandoning. */
const P95_GOAL_MS = 500;
const ABANDON_GOAL = 0.02;

/**
 * Each setup's rated load: the highest rate whose step met the goals of `npm run bench` (c), client side (that
 * bench also checks the dashboard's figures), or undefined when none did.
 */
export function ratedLoads(rows: ClusterRow[]): Array<{ setup: string; rated?: ClusterRow }> {
  const setups = [...new Set(rows.map((r) => r.setup))];
  return setups.map((setup) => ({
    setup,
    rated: rows
      .filter(
        (r) =>
          r.setup === setup &&
          r.step.firstDeltaMs.p95 < P95_GOAL_MS &&
          r.step.abandonedShoppers / Math.max(1, r.step.shoppers) < ABANDON_GOAL,
      )
      .sort((a, b) => b.step.rate - a.step.rate)[0],
  }));
}

/** The rows as one Markdown table, the setups side by side at each rate. */
export function clusterTable(rows: ClusterRow[]): string {
  const header = [
    'shoppers/s',
    'setup',
    'msg/s',
    'first delta p50 ms',
    'first delta p95 ms',
    'errors',
    'abandoned',
    'orchestrator CPU ms/msg',
    'idle CPU ms/s',
    'orchestrator peak RSS MiB',
  ];
  const rates = [...new Set(rows.map((r) => r.step.rate))];
  const body = rates.flatMap((rate) =>
    rows
      .filter((r) => r.step.rate === rate)
      .map((r) => [
        String(rate),
        r.setup,
        f1(r.step.messagesPerSec),
        f0(r.step.firstDeltaMs.p50),
        f0(r.step.firstDeltaMs.p95),
        `${r.step.errors}${r.step.errors ? ` (${Object.keys(r.step.errorKinds).join(', ')})` : ''}`,
        `${r.step.abandonedShoppers}/${r.step.shoppers}`,
        f2(r.orchestratorCpuMsPerMessage),
        f0(r.orchestratorIdleCpuMsPerSec),
        f1(r.orchestratorPeakMiB),
      ]),
  );
  return [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '5,10,20' },
      seconds: { type: 'string', default: '10' },
      store: { type: 'string', default: 'postgres' },
      source: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  if (!rates.every((r) => Number.isFinite(r) && r > 0) || !(seconds > 0)) {
    console.error('--rates needs positive numbers (5,10,20), --seconds a positive number');
    process.exit(1);
  }
  if (values.store !== 'postgres' && values.store !== 'redis') {
    console.error('--store is postgres or redis');
    process.exit(1);
  }
  const startedAt = new Date().toISOString();
  const rows = await runClusterComparison({
    rates,
    seconds,
    store: values.store,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    compiled: !values.source,
  });
  console.log(
    `## Orchestrator processes: PGlite vs PostgreSQL, 1 vs 2 processes (${startedAt}, ${seconds} s per step, rate limits in ${values.store} for PostgreSQL, ${values.source ? 'tsx' : 'dist/'})\n`,
  );
  console.log(clusterTable(rows));
  console.log(
    `\nRated load (first delta p95 < ${P95_GOAL_MS} ms, abandonment < ${ABANDON_GOAL * 100} %, client side): ${ratedLoads(
      rows,
    )
      .map(({ setup, rated }) =>
        rated
          ? `${setup} ${rated.step.rate} shoppers/s ≈ ${f1(rated.step.messagesPerSec)} msg/s`
          : `${setup} below ${Math.min(...rates)} shoppers/s`,
      )
      .join('; ')}`,
  );
  if (values.json) await writeFile(values.json, `${JSON.stringify({ startedAt, rows }, null, 2)}\n`);
}
