import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent, get } from 'node:https';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLinePrettifier, type LinePrettifier } from '../agents/runtime/logger.js';
import { generateCerts, SERVICES } from '../certs/certs.js';
import { demoAccounts } from '../orchestrator/auth/demo-accounts.js';
import { type Config, loadConfig } from '../orchestrator/config.js';
import { buildServer, builtEntry, serverBuildIsStale } from './build-server.js';

// `npm start`: certificates when missing, then every agent and the orchestrator as separate processes, saying what
// it does while it does it and, once the orchestrator answers, where to go and with which account.
// Its own settings: `LOG_FORMAT` (`pretty` or `json`; pretty when stdout is a terminal), `AGENT_BASE_PORT`
// (9101: the agents listen on it and the next ports) and `ORCHESTRATOR_REPLICAS` (1: more, with `DATABASE_URL` and
// `REDIS_URL`, start that many orchestrators on consecutive ports from `PORT`, sharing the database, the rate
// limits and the token keys), and `START_FROM` (`dist`: the processes run as the JavaScript of `dist/`, built first
// when missing or older than a source; `source`: their TypeScript through tsx, as in development and the tests).
// `ORCHESTRATOR_PROCESSES` (1) is the orchestrator's own: more fork that many processes sharing its port.
// Everything else goes to the processes.
const root = join(import.meta.dirname, '..');
const startedAt = performance.now();
const seconds = () => `${Math.round((performance.now() - startedAt) / 1000)} s`;
const say = (line: string) => console.log(`[start] ${line}`);
const shown = (path: string) => (relative(root, path).startsWith('..') ? path : relative(root, path) || '.');

const pretty: LinePrettifier =
  (process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty'
    ? await createLinePrettifier({ colors: Boolean(process.stdout.isTTY) })
    : (line) => line;

// Replicas: any of them serves any request (no stickiness) because everything they share lives outside them —
// conversations and their events in PostgreSQL, rate limits and lockouts in Redis, token keys in DATA_DIR (or the
// SIGNING_KEYS_FILE every replica reads).
const replicaCount = Number(process.env.ORCHESTRATOR_REPLICAS ?? '1');
if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > 8) {
  console.error('[start] ORCHESTRATOR_REPLICAS must be a whole number from 1 to 8');
  process.exit(1);
}
const replicaEnv: Record<string, string> = {};
if (replicaCount > 1) {
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((name) => !process.env[name]);
  if (missing.length) {
    console.error(
      `[start] ORCHESTRATOR_REPLICAS=${replicaCount} needs ${missing.join(' and ')}: the replicas share one PostgreSQL ` +
        '(conversations, their events, accounts) and one Redis (rate limits and lockouts), e.g.\n' +
        `        DATABASE_URL=postgres://postgres@127.0.0.1:5432/atende REDIS_URL=redis://127.0.0.1:6379 ORCHESTRATOR_REPLICAS=${replicaCount} npm start`,
    );
    process.exit(1);
  }
  if (process.env.RATE_LIMIT_STORE === 'memory') {
    console.error(
      '[start] RATE_LIMIT_STORE=memory would give each replica limits of its own: use redis (the default here)',
    );
    process.exit(1);
  }
  replicaEnv.RATE_LIMIT_STORE = process.env.RATE_LIMIT_STORE ?? 'redis';
}

const certsDir = resolve(root, process.env.CERTS_DIR ?? 'certs');

// The agents, in the order of their ports.
const AGENT_ORDER = ['assistant', 'sentiment', 'orders', 'promotions', 'desk'];
const basePort = Number(process.env.AGENT_BASE_PORT ?? 9101);
const agents = SERVICES.filter((s) => s !== 'orchestrator' && existsSync(join(root, 'agents', s, 'main.ts')));
const agentPort = (agent: string) => {
  const index = AGENT_ORDER.indexOf(agent);
  return index < 0 ? 0 : basePort + index;
};
const orchestratorEnv = {
  PORT: process.env.PORT ?? '8443',
  AGENT_URLS: agents.map((a) => `https://localhost:${agentPort(a)}`).join(','),
};

const replicaPorts = Array.from({ length: replicaCount }, (_, i) => Number(orchestratorEnv.PORT) + i);
const replicaName = (i: number) => (replicaCount > 1 ? `orchestrator-${i + 1}` : 'orchestrator');

// The orchestrator's configuration, read here as it will read it: a mistake stops the start before anything runs,
// and the ready block names what it will do (the demo accounts, the address).
let config: Config;
try {
  config = loadConfig({ ...process.env, CERTS_DIR: certsDir, ...orchestratorEnv, ...replicaEnv });
} catch (error) {
  console.error(`[start] ${(error as Error).message}`);
  process.exit(1);
}
const dataDir = resolve(root, config.DATA_DIR);
// ORCHESTRATOR_PROCESSES (checked above by the orchestrator's own schema): each orchestrator is a primary forking
// that many processes on its one port.
const processCount = config.ORCHESTRATOR_PROCESSES;

const { created } = await generateCerts({ dir: certsDir });
say(
  created.length
    ? `created the development certificates (${created.join(', ')}) in ${shown(certsDir)}`
    : `certificates: ${shown(certsDir)}`,
);

const children: Array<{ name: string; child: ChildProcess }> = [];
let stopping = false;
let ready = false;

// The processes run compiled unless told otherwise: no TypeScript loader, no esbuild transform at each start.
const fromSource = (process.env.START_FROM ?? 'dist') === 'source';
if (!fromSource && (await serverBuildIsStale(root))) {
  const building = performance.now();
  try {
    await buildServer(root);
  } catch (error) {
    console.error(`[start] the build of dist/ failed: ${(error as Error).message}`);
    process.exit(1);
  }
  say(`built the server processes into dist/ in ${Math.round(performance.now() - building)} ms`);
}

/** Starts `entry` as process `name`; its lines are printed with its name in front (errors on stderr). */
function run(name: string, entry: string, env: Record<string, string>, onLine?: (line: string) => void) {
  const args = fromSource ? ['--import', 'tsx', entry] : ['--enable-source-maps', builtEntry(root, entry)];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, CERTS_DIR: certsDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [stream, print] of [
    [child.stdout, console.log],
    [child.stderr, console.error],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => {
      for (const part of pretty(line).split('\n')) print(`[${name}] ${part}`);
      onLine?.(line);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    if (name.startsWith('orchestrator') && !ready) {
      console.error(
        `[start] the orchestrator stopped (${signal ?? `exit code ${code}`}) before it was ready: see its lines above`,
      );
      void stop(1);
      return;
    }
    console.error(`[start] ${name} exited (${signal ?? `exit code ${code}`}); the others keep running`);
  });
  children.push({ name, child });
  return child;
}

for (const agent of agents) {
  const port = String(agentPort(agent));
  const child = run(agent, join('agents', agent, 'main.ts'), {
    PORT: port,
    PUBLIC_URL: `https://localhost:${port}`,
    // The desk keeps its own database beside the orchestrator's.
    ...(agent === 'desk' ? { DATA_DIR: join(dataDir, 'desk') } : {}),
  });
  say(`started ${agent} (pid ${child.pid}, port ${port})`);
}

/** What the orchestrator is busy with, from its own lines; said again while the start takes long. */
let phase = startupPhase();
let storeOpen = false;
/** The (first) orchestrator said it listens: with ORCHESTRATOR_PROCESSES, only once every process does. */
let listening = false;
// Its `info` lines are the only way to know that every process listens (any one of them answers the health check).
// Without them (LOG_LEVEL=warn) the health check is asked until it answers.
const waitForListening = ['info', 'debug', 'trace'].includes(config.LOG_LEVEL);
const orchestrator = run(
  replicaName(0),
  join('orchestrator', 'main.ts'),
  { ...orchestratorEnv, ...replicaEnv },
  (line) => {
    followOrchestrator(line);
    if (replicaCount > 1) startOtherReplicas(line);
  },
);
const processes = processCount > 1 ? `, ${processCount} processes` : '';
say(
  replicaCount > 1
    ? `started orchestrator replica 1 of ${replicaCount} (pid ${orchestrator.pid}, port ${orchestratorEnv.PORT}${processes}); ${phase}`
    : `started the orchestrator (pid ${orchestrator.pid}, port ${orchestratorEnv.PORT}${processes}); ${phase}`,
);

/**
 * The other replicas start once the first listens: it has migrated the database, created the token keys and the
 * demo accounts, so they only open them (migrations take an advisory lock anyway).
 */
let othersStarted = false;
function startOtherReplicas(line: string) {
  if (othersStarted || !line.includes('"orchestrator listening"')) return;
  othersStarted = true;
  for (let i = 1; i < replicaCount; i++) {
    const port = String(replicaPorts[i]);
    const child = run(replicaName(i), join('orchestrator', 'main.ts'), {
      ...orchestratorEnv,
      ...replicaEnv,
      PORT: port,
    });
    say(`started orchestrator replica ${i + 1} of ${replicaCount} (pid ${child.pid}, port ${port})`);
  }
}

function startupPhase(): string {
  const seeding = config.seedDemoAccounts ? ' and the demo accounts' : '';
  if (config.DATABASE_URL) return `opening the PostgreSQL database${seeding}…`;
  const store = join(dataDir, 'pglite');
  return existsSync(store)
    ? `opening the database (${shown(store)})${seeding}…`
    : `creating the database (${shown(store)})${seeding}, about 15–30 s the first time…`;
}

/** Says when the orchestrator's slow steps end: nothing is logged before its database is open and seeded. */
function followOrchestrator(line: string) {
  let entry: { level?: number; msg?: string; created?: string[] };
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  if ((entry.level ?? 0) >= 50) return;
  // The database is open; the demo accounts are being checked (hashing their passwords the first time).
  if (entry.msg?.startsWith('checking the demo accounts')) return;
  if (!storeOpen) {
    storeOpen = true;
    phase = 'starting';
    say(
      entry.msg === 'demo accounts created'
        ? `database ready, demo accounts created (${seconds()})`
        : `database ready${config.seedDemoAccounts ? ', demo accounts in place' : ''} (${seconds()})`,
    );
  }
  if (entry.msg?.startsWith('web build missing or stale')) {
    phase = 'building the web pages with Vite…';
    say(phase);
  } else if (entry.msg === 'orchestrator listening' && phase.startsWith('building')) {
    say(`web pages built (${seconds()})`);
    phase = 'waiting for the agents';
  } else if (entry.msg === 'orchestrator listening') {
    phase = 'waiting for the agents';
  }
  if (entry.msg === 'orchestrator listening') listening = true;
}

const heartbeat = setInterval(
  () => say(`still starting (${seconds()}): ${phase.replace(/, about.*/, '…')}`),
  10_000,
);
void announceWhenReady();

/**
 * Prints the ready block once the orchestrator answers its health check with every agent up (or 10 s after it
 * first answers, naming the agents that are not).
 */
async function announceWhenReady() {
  // node:https, not undici: loading undici cost the launcher 140 ms of the start-up it is waiting for.
  const agent = new Agent({ ca: await readFile(join(certsDir, 'ca.pem'), 'utf8'), keepAlive: true });
  const health = (port: number) =>
    new Promise<{ agents: { name: string | null; state: string }[] }>((resolve, reject) => {
      get(`https://localhost:${port}/healthz`, { agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        });
      }).on('error', reject);
    });
  let answeredAt: number | undefined;
  while (!stopping) {
    if (waitForListening && !listening) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      // Every replica answers, the first's view of the agents decides.
      const [first] = await Promise.all(replicaPorts.map(health));
      if (!first) break;
      answeredAt ??= performance.now();
      const down = first.agents.filter((a) => a.state !== 'up');
      if (!down.length || performance.now() - answeredAt > 10_000) {
        ready = true;
        clearInterval(heartbeat);
        console.log(readyBlock(first.agents.length - down.length, first.agents.length));
        break;
      }
    } catch {
      // not listening yet
    }
    // Asked often: a refused connection costs nothing, and every wait here is added to the start-up.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  agent.destroy();
}

/** Where to go, with which account, and how to stop. */
function readyBlock(up: number, total: number): string {
  const url = config.publicUrl;
  const rule = '─'.repeat(72);
  const ROLES: Record<string, string> = {
    customer: 'a shopper: asks about their orders in the chat',
    premium: 'a premium shopper: also gets premium offers',
    operator: 'staff: inbox, agents and inspector in the console',
    admin: 'staff: all of the console, dashboard and settings too',
  };
  const accounts = config.seedDemoAccounts
    ? [
        `  Demo accounts (password ${config.DEMO_PASSWORD}):`,
        ...demoAccounts(config.DEMO_PASSWORD).map(
          (a) => `    ${a.email.padEnd(22)} ${a.role.padEnd(9)} ${ROLES[a.role] ?? ''}`,
        ),
        '',
      ]
    : [];
  return [
    `[start] ${rule}`,
    `  Atende is ready (${seconds()}; ${up}/${total} agents up${up < total ? ': see the agents’ lines above' : ''})`,
    '',
    `  Shop with the chat   ${url}/`,
    `  Staff console        ${url}/console   (/operator and /dashboard lead there)`,
    '',
    ...(processCount > 1
      ? [
          `  Processes            ${processCount} per orchestrator, sharing its port (node:cluster); one that dies is restarted`,
          '',
        ]
      : []),
    ...(replicaCount > 1
      ? [
          `  Replicas             ${replicaPorts.map((port) => `https://localhost:${port}`).join(', ')}`,
          '                       any serves any request: one PostgreSQL, rate limits in Redis, shared keys',
          '',
        ]
      : []),
    ...accounts,
    `  Development CA       ${join(certsDir, 'ca.pem')}`,
    '                       the browser warns until you trust it (or accept the warning)',
    `  Request logs         LOG_LEVEL=debug npm start`,
    '',
    '  Ctrl-C stops everything.',
    rule,
  ].join('\n');
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(heartbeat);
  say('stopping…');
  const exits = children.map(
    ({ name, child }) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        // An orchestrator of several processes stops them first (each closes its streams and its pool).
        const graceMs = name.startsWith('orchestrator') && processCount > 1 ? 25_000 : 5_000;
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      }),
  );
  await Promise.all(exits);
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
