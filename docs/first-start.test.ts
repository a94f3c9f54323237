import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publicFetch } from '../orchestrator/testing/harness.js';

// What a shop owner reads the first time they run `npm start` (README: "Run it"): the real script, its real
// processes, a fresh data folder and certificates, on ports of its own.

const root = join(import.meta.dirname, '..');

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

let child: ChildProcess | undefined;
let dir: string | undefined;

afterAll(async () => {
  // After a failed assertion `npm start` is still running: Ctrl-C lets it stop the agents and the orchestrator it
  // started (SIGKILL would leave them running); SIGKILL only if it does not exit in time.
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the first `npm start`', () => {
  it('says what it does, then where to go, with which account, and how to stop; no line per request', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atende-first-start-'));
    const base = await freeRange(6);
    child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'pretty',
        CERTS_DIR: join(dir, 'certs'),
        DATA_DIR: join(dir, 'data'),
        PORT: String(base + 5),
        AGENT_BASE_PORT: String(base),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    let seen = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (/Ctrl-C stops everything/.test(seen)) resolve();
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
      void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${seen}`)));
    });
    await ready;

    // The progress, in order.
    const order = [
      '[start] created the development certificates',
      '[start] started assistant',
      '[start] started the orchestrator',
      'creating the database',
      '[start] database ready, demo accounts created',
      'Atende is ready',
    ];
    const at = order.map((line) => seen.indexOf(line));
    expect(
      at.every((i) => i >= 0),
      seen,
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // The ready block.
    const url = `https://localhost:${base + 5}`;
    for (const line of [
      `${url}/`,
      `${url}/console`,
      '/operator and /dashboard',
      'password atende-demo-2026',
      'customer@atende.dev',
      'operator@atende.dev',
      'admin@atende.dev',
      join(dir, 'certs', 'ca.pem'),
    ]) {
      expect(seen).toContain(line);
    }
    expect(seen).toMatch(/5\/5 agents up/);
    // The processes' lines are readable, and prefixed.
    expect(seen).toMatch(/\[orchestrator\] \[\d\d:\d\d:\d\d\] INFO: orchestrator listening/);
    expect(seen).not.toMatch(/\[orchestrator\] \{"level"/);

    // A few requests add no line at the default level.
    const web = publicFetch(await readFile(join(dir, 'certs', 'ca.pem'), 'utf8'));
    for (const path of ['/', '/healthz', '/widget/atende-chat.js']) {
      expect((await web.fetch(`${url}${path}`)).status, path).toBe(200);
    }
    await web.close();
    const before = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.slice(before)).not.toMatch(/INFO: request/);
    expect(seen).not.toMatch(/INFO: request/);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(seen).toContain('[start] stopping…');
  }, 150_000);
});
