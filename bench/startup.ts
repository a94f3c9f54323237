import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../orchestrator/testing/harness.js';
import { DEMO_PASSWORD } from './mesh.js';
import { median, residentMemoryMiB } from './processes.js';

/** One way of starting: the processes from dist/ (what `npm start` does) or their TypeScript through tsx. */
export type StartFrom = 'dist' | 'source';

/** Start-up of `npm start` in one mode: time to its ready block, and each process's RSS right then. */
export interface StartupRow {
  from: StartFrom;
  readyMs: number[];
  medianReadyMs: number;
  /**
   * From spawning to the first `delta` of a chat message sent as soon as it was ready (a guest token, then
   * _Qual o prazo de entrega?_): what a shopper who opened the page right then waited, loading left for later included.
   */
  firstAnswerMs: number[];
  medianFirstAnswerMs: number;
  /** VmRSS (MiB) of each server process at ready, from the last round. */
  rssMiB: Record<string, number>;
  totalRssMiB: number;
}

/**
 * Runs the real `scripts/start.ts` with an existing database and certificates (the state after a first start), and
 * times it from spawning to its "Atende is ready" line; then reads every server process's RSS and stops it with
 * Ctrl-C. Modes alternate in each round. A first, unmeasured start creates the database and builds dist/.
 */
export async function benchStartup(options: {
  certsDir: string;
  dataDir: string;
  rounds: number;
  log?: (line: string) => void;
}): Promise<StartupRow[]> {
  const root = join(import.meta.dirname, '..');
  const ca = await readFile(join(options.certsDir, 'ca.pem'), 'utf8');
  const once = async (from: StartFrom) => {
    const port = await freePort();
    const base = await freeRange(5);
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        AGENT_BASE_PORT: String(base),
        DATA_DIR: options.dataDir,
        CERTS_DIR: options.certsDir,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        START_FROM: from,
        DEMO_PASSWORD,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const pids = new Map<string, number>();
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start (${from}) not ready in 180 s:\n${output}`)),
        180_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        for (const m of chunk.toString().matchAll(/started (?:the )?(\w+) \(pid (\d+)/g)) {
          pids.set(m[1] as string, Number(m[2]));
        }
        if (output.includes('Atende is ready')) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
      });
      child.once('exit', (code) => reject(new Error(`npm start (${from}) exited ${code}:\n${output}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const readyMs = await ready;
      const rssMiB = Object.fromEntries([...pids].map(([name, pid]) => [name, residentMemoryMiB(pid)]));
      await firstDelta(port, ca);
      return { readyMs, rssMiB, firstAnswerMs: performance.now() - started };
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  };
  options.log?.('    first start (database, dist/) …');
  await once('dist');
  const rows: Record<
    StartFrom,
    { readyMs: number[]; firstAnswerMs: number[]; rssMiB: Record<string, number> }
  > = {
    dist: { readyMs: [], firstAnswerMs: [], rssMiB: {} },
    source: { readyMs: [], firstAnswerMs: [], rssMiB: {} },
  };
  for (let round = 0; round < options.rounds; round++) {
    const order: StartFrom[] = round % 2 ? ['dist', 'source'] : ['source', 'dist'];
    for (const from of order) {
      const { readyMs, rssMiB, firstAnswerMs } = await once(from);
      rows[from].readyMs.push(readyMs);
      rows[from].firstAnswerMs.push(firstAnswerMs);
      rows[from].rssMiB = rssMiB;
      options.log?.(
        `    ${from}: ready in ${readyMs.toFixed(0)} ms, first answer at ${firstAnswerMs.toFixed(0)} ms`,
      );
    }
  }
  return (['source', 'dist'] as const).map((from) => ({
    from,
    readyMs: rows[from].readyMs,
    medianReadyMs: median(rows[from].readyMs),
    firstAnswerMs: rows[from].firstAnswerMs,
    medianFirstAnswerMs: median(rows[from].firstAnswerMs),
    rssMiB: rows[from].rssMiB,
    totalRssMiB: Object.values(rows[from].rssMiB).reduce((a, b) => a + b, 0),
  }));
}

/** The first of `count` consecutive free ports. */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const first = await freePort();
    if (first + count < 65_535 && (await consecutiveFree(first, count))) return first;
  }
}

async function consecutiveFree(first: number, count: number): Promise<boolean> {
  for (let port = first; port < first + count; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

/** Sends one chat message as a new guest and resolves at its first `delta` event. */
async function firstDelta(port: number, ca: string): Promise<void> {
  const post = (path: string, headers: Record<string, string>, body: string, until?: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: 'localhost',
          port,
          path,
          method: 'POST',
          ca,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
            if (until && text.includes(until)) {
              response.destroy();
              resolve(text);
            }
          });
          response.on('end', () =>
            until ? reject(new Error(`no ${until} in: ${text.slice(0, 500)}`)) : resolve(text),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const { accessToken } = JSON.parse(await post('/api/auth/guest', {}, '')) as { accessToken: string };
  await post(
    '/api/chat/messages',
    { authorization: `Bearer ${accessToken}` },
    JSON.stringify({ text: 'Qual o prazo de entrega?' }),
    'event: delta',
  );
}
