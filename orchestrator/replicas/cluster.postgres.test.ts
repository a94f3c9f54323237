import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCerts } from '../../certs/certs.js';
import { createPostgresClient } from '../store/index.js';
import { freePort, publicFetch } from '../testing/harness.js';
import { restartDelay } from './cluster.js';

// `ORCHESTRATOR_PROCESSES=2 npx tsx orchestrator/main.ts`: the real entry, a real primary forking two real processes
// that share one port, one PostgreSQL and one rate-limit store.
const root = join(import.meta.dirname, '../..');
const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;

function startMain(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'orchestrator/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      RATE_LIMIT_STORE: undefined,
      NODE_ENV: 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      for (const listener of listeners) listener();
    });
  }
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  /** The log lines printed so far, parsed (lines that are not JSON left out). */
  const lines = () =>
    seen.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    exited,
    output: () => seen,
    lines,
    /** Resolves with the first line (after `skip` of them) that `match` accepts. */
    waitFor(match: (line: Record<string, unknown>) => boolean, skip = 0) {
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const found = lines().slice(skip).find(match);
          if (found) {
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
        check();
        void exited.then(({ code }) => reject(new Error(`main.ts exited (${code}):\n${seen}`)));
      });
    },
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first port with the next `count - 1` free too (the agents of `npm start` take consecutive ports). */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ORCHESTRATOR_PROCESSES', () => {
  const dirs: string[] = [];
  let running: ChildProcess | undefined;
  afterAll(async () => {
    if (running && running.exitCode === null && running.signalCode === null) {
      // SIGINT first: the primary (or npm start) stops what it started; SIGKILL if it does not.
      const exited = new Promise((resolve) => running?.once('exit', resolve));
      running.kill('SIGINT');
      const timer = setTimeout(() => running?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('backs off restarts: doubling from the first delay up to the ceiling', () => {
    expect([0, 1, 2, 3, 10].map((n) => restartDelay(n, 500, 30_000))).toEqual([
      500, 1000, 2000, 4000, 30_000,
    ]);
    expect(restartDelay(10_000, 500, 30_000)).toBe(30_000);
  });

  it('refuses several processes without PostgreSQL, or with rate limits each process would count alone', async () => {
    const noDatabase = startMain({ ORCHESTRATOR_PROCESSES: '2', RATE_LIMIT_STORE: 'postgres' });
    expect((await noDatabase.exited).code).toBe(1);
    expect(noDatabase.output()).toContain('ORCHESTRATOR_PROCESSES=2 needs DATABASE_URL');
    const memory = startMain({
      ORCHESTRATOR_PROCESSES: '2',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
    });
    expect((await memory.exited).code).toBe(1);
    expect(memory.output()).toContain('ORCHESTRATOR_PROCESSES=2 needs RATE_LIMIT_STORE=postgres');
  }, 60_000);

  it('npm start refuses them before it creates or starts anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-cluster-start-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        RATE_LIMIT_STORE: 'postgres',
        ORCHESTRATOR_PROCESSES: '3',
        CERTS_DIR: join(dir, 'certs'),
        DATA_DIR: join(dir, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (c: Buffer) => (output += c));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(output).toContain('ORCHESTRATOR_PROCESSES=3 needs DATABASE_URL');
    expect(output).not.toContain('certificates');
  }, 60_000);

  it.skipIf(!databaseUrl)(
    'serves one port from two processes sharing the rate limit, replaces a killed one, stops gracefully',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'atende-cluster-'));
      dirs.push(dir);
      const certsDir = join(dir, 'certs');
      await generateCerts({ dir: certsDir });
      const port = await freePort();
      const url = `https://localhost:${port}`;
      const schema = `test_cluster_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const run = startMain({
        ORCHESTRATOR_PROCESSES: '2',
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        // Redis when there is one, else the PostgreSQL store: both are shared by every process.
        ...(redisUrl ? { RATE_LIMIT_STORE: 'redis', REDIS_URL: redisUrl } : { RATE_LIMIT_STORE: 'postgres' }),
        PORT: String(port),
        HOST: '127.0.0.1',
        CERTS_DIR: certsDir,
        DATA_DIR: join(dir, 'data'),
        // No agents: every message is still counted before it is routed.
        AGENT_URLS: `https://localhost:${await freePort()}`,
        SEED_DEMO_ACCOUNTS: 'false',
        // One line per request, with the pid of the process that served it.
        LOG_LEVEL: 'debug',
        CHAT_MESSAGES_PER_MINUTE: '10',
      });
      running = run.child;
      const ca = await readFile(join(certsDir, 'ca.pem'), 'utf8');
      /** One request on a connection of its own: the primary hands each new connection to the next process. */
      const request = async (path: string, init?: RequestInit) => {
        const web = publicFetch(ca);
        try {
          const response = await web.fetch(`${url}${path}`, init);
          const body = await response.text();
          return {
            status: response.status,
            body,
            process: response.headers.get('x-orchestrator-process'),
            requestId: response.headers.get('x-request-id'),
          };
        } finally {
          await web.close();
        }
      };
      const pidOf = (requestId: string | null) =>
        run.lines().find((l) => l.msg === 'request' && l.requestId === requestId)?.pid as number | undefined;

      try {
        const ready = await run.waitFor((l) => l.msg === 'orchestrator listening');
        expect(ready).toMatchObject({ processes: 2, url });
        const workerPids = ready.workerPids as number[];
        expect(new Set(workerPids).size).toBe(2);
        expect(workerPids).not.toContain(run.child.pid);
        // Ready only once both listen.
        expect(run.lines().filter((l) => l.msg === 'orchestrator process listening')).toHaveLength(2);

        // Requests on new connections are served by both processes (their slots in a header, their pids in the log).
        const probes = [];
        for (let i = 0; i < 6; i++) probes.push(await request('/healthz'));
        expect(new Set(probes.map((p) => p.process))).toEqual(new Set(['1', '2']));
        await new Promise((r) => setTimeout(r, 200)); // the request lines are written after the answers
        expect(new Set(probes.map((p) => pidOf(p.requestId)))).toEqual(new Set(workerPids));

        // The rate limit is shared: ten messages a minute, whichever process takes each one.
        const guest = JSON.parse((await request('/api/auth/guest', { method: 'POST' })).body) as {
          accessToken: string;
        };
        const send = () =>
          request('/api/chat/messages', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${guest.accessToken}` },
            body: JSON.stringify({ text: 'What are your opening hours?', locale: 'en' }),
          });
        const sent = [];
        for (let i = 0; i < 10; i++) sent.push(await send());
        expect(sent.map((s) => s.status)).toEqual(Array(10).fill(200));
        expect(new Set(sent.map((s) => s.process))).toEqual(new Set(['1', '2']));
        const eleventh = await send();
        const twelfth = await send();
        expect([eleventh.status, twelfth.status]).toEqual([429, 429]);
        // Refused by both processes: neither counted alone.
        expect(new Set([eleventh.process, twelfth.process])).toEqual(new Set(['1', '2']));
        expect(JSON.parse(eleventh.body)).toMatchObject({ code: 'rate_limited' });

        // A process killed outright is replaced; the port never stops answering meanwhile.
        const victim = workerPids[0] as number;
        const seenBefore = run.lines().length;
        process.kill(victim, 'SIGKILL');
        const died = await run.waitFor(
          (l) => l.msg === 'an orchestrator process died; starting another',
          seenBefore,
        );
        expect(died).toMatchObject({ workerPid: victim, signal: 'SIGKILL', restartInMs: 500 });
        expect((await request('/healthz')).status).toBe(200);
        const replaced = await run.waitFor(
          (l) => l.msg === 'orchestrator process replaced and listening',
          seenBefore,
        );
        const newPid = replaced.workerPid as number;
        expect(workerPids).not.toContain(newPid);
        const after = [];
        for (let i = 0; i < 4; i++) after.push(await request('/healthz'));
        await new Promise((r) => setTimeout(r, 200));
        expect(new Set(after.map((p) => pidOf(p.requestId)))).toEqual(new Set([newPid, workerPids[1]]));

        // SIGTERM to the primary stops every process gracefully, then the primary.
        run.child.kill('SIGTERM');
        expect(await run.exited).toEqual({ code: 0, signal: null });
        expect(run.lines().some((l) => l.msg === 'orchestrator processes stopped')).toBe(true);
        expect([newPid, workerPids[1] as number].filter(alive)).toEqual([]);
      } finally {
        const admin = await createPostgresClient({ connectionString: databaseUrl ?? '', maxConnections: 1 });
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
      }
    },
    240_000,
  );

  it.skipIf(!databaseUrl)(
    'npm start (START_FROM=source) is ready only once both processes listen, and Ctrl-C stops them',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'atende-cluster-start-'));
      dirs.push(dir);
      const base = await freeRange(6);
      const schema = `test_cluster_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts')], {
        cwd: root,
        env: {
          ...process.env,
          START_FROM: 'source',
          NODE_ENV: 'development',
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
          DATABASE_URL: databaseUrl,
          DATABASE_SCHEMA: schema,
          RATE_LIMIT_STORE: 'postgres',
          REDIS_URL: undefined,
          ORCHESTRATOR_PROCESSES: '2',
          PORT: String(base + 5),
          AGENT_BASE_PORT: String(base),
          ORCHESTRATOR_JWKS_URL: `https://localhost:${base + 5}/.well-known/jwks.json`,
          SEED_DEMO_ACCOUNTS: 'false',
          CERTS_DIR: join(dir, 'certs'),
          DATA_DIR: join(dir, 'data'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running = child;
      let seen = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          for (const stream of [child.stdout, child.stderr]) {
            stream?.on('data', (chunk: Buffer) => {
              seen += chunk.toString();
              if (seen.includes('Ctrl-C stops everything')) resolve();
            });
          }
          void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${seen}`)));
        });
        expect(seen).toContain(`port ${base + 5}, 2 processes); opening the PostgreSQL database`);
        expect(seen).toContain('Processes            2 per orchestrator, sharing its port');
        // Both processes listened, and the primary said so, before the ready block.
        const ready = seen.indexOf('Atende is ready');
        for (const line of [
          /"slot":1,"msg":"orchestrator process listening"/,
          /"slot":2,"msg":"orchestrator process listening"/,
        ]) {
          const at = seen.search(line);
          expect(at, seen).toBeGreaterThan(0);
          expect(at).toBeLessThan(ready);
        }
        expect(seen.indexOf('"processes":2,"workerPids"')).toBeLessThan(ready);
        const pids = (/"workerPids":\[(\d+),(\d+)\]/.exec(seen) ?? []).slice(1).map(Number);
        expect(pids).toHaveLength(2);
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(seen).toContain('"msg":"orchestrator processes stopped"');
        expect(pids.filter(alive)).toEqual([]);
      } finally {
        const admin = await createPostgresClient({ connectionString: databaseUrl ?? '', maxConnections: 1 });
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
      }
    },
    300_000,
  );
});
