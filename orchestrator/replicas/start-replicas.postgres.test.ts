import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresClient } from '../store/index.js';
import { publicFetch, readSse } from '../testing/harness.js';

// `ORCHESTRATOR_REPLICAS=2 npm start` (scripts/start.ts): the real script, its real processes, on ports of its own.
const root = join(import.meta.dirname, '../..');
const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first port with the next `count - 1` free too. */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function start(dir: string, env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      RATE_LIMIT_STORE: undefined,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      CERTS_DIR: join(dir, 'certs'),
      DATA_DIR: join(dir, 'data'),
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => seen,
    waitFor(pattern: RegExp) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(seen)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${seen}`)));
      });
    },
  };
}

describe('npm start with ORCHESTRATOR_REPLICAS', () => {
  const dirs: string[] = [];
  let running: ChildProcess | undefined;
  afterAll(async () => {
    if (running && running.exitCode === null) {
      const exited = new Promise((resolve) => running?.once('exit', resolve));
      running.kill('SIGINT');
      const timer = setTimeout(() => running?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('refuses replicas without a shared PostgreSQL and Redis, saying what is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atende-replicas-start-'));
    dirs.push(dir);
    const run = start(dir, { ORCHESTRATOR_REPLICAS: '2', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('ORCHESTRATOR_REPLICAS=2 needs DATABASE_URL');
    // Said before anything is created or started.
    expect(run.output()).not.toContain('certificates');
  }, 60_000);

  it.skipIf(!databaseUrl || !redisUrl)(
    'starts two replicas on consecutive ports that serve the same shopper (TEST_DATABASE_URL, TEST_REDIS_URL)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'atende-replicas-start-'));
      dirs.push(dir);
      const base = await freeRange(7);
      const schema = `test_start_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const run = start(dir, {
        ORCHESTRATOR_REPLICAS: '2',
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl,
        PORT: String(base + 5),
        AGENT_BASE_PORT: String(base),
        ORCHESTRATOR_JWKS_URL: `https://localhost:${base + 5}/.well-known/jwks.json`,
        SEED_DEMO_ACCOUNTS: 'false',
      });
      running = run.child;
      try {
        await run.waitFor(/Ctrl-C stops everything/);
        const seen = run.output();
        const [one, two] = [`https://localhost:${base + 5}`, `https://localhost:${base + 6}`];
        expect(seen).toContain('[start] started orchestrator replica 1 of 2');
        expect(seen).toContain(`[start] started orchestrator replica 2 of 2 (pid`);
        expect(seen).toContain(`Replicas             ${one}, ${two}`);
        expect(seen).toMatch(/\[orchestrator-2\] .*orchestrator listening/);
        expect(seen.indexOf('replica 2 of 2')).toBeGreaterThan(seen.indexOf('[orchestrator-1]'));

        // A shopper signed in on one replica is served on the other: shared keys, one database.
        const web = publicFetch(await readFile(join(dir, 'certs', 'ca.pem'), 'utf8'));
        try {
          const guest = await web.fetch(`${one}/api/auth/guest`, { method: 'POST' });
          const { accessToken } = (await guest.json()) as { accessToken: string };
          const sent = await web.fetch(`${one}/api/chat/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
            body: JSON.stringify({ text: 'What are your opening hours?', locale: 'en' }),
          });
          const events = await readSse(sent);
          const conversationId = events[0]?.data.conversationId as string;
          expect(events.at(-1)?.event, JSON.stringify(events)).toBe('done');
          const history = await web.fetch(`${two}/api/conversations/${conversationId}/messages`, {
            headers: { authorization: `Bearer ${accessToken}` },
          });
          expect(history.status).toBe(200);
          expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(2);
        } finally {
          await web.close();
        }
        run.child.kill('SIGINT');
        expect(await run.exited).toBe(0);
      } finally {
        const admin = await createPostgresClient({ connectionString: databaseUrl ?? '', maxConnections: 1 });
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
      }
    },
    300_000,
  );
});
