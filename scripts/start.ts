import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, fetch } from 'undici';
import { generateCerts, SERVICES } from '../certs/certs.js';

// `npm start`: certificates when missing, then every agent and the orchestrator as separate processes.
const root = join(import.meta.dirname, '..');
const certsDir = process.env.CERTS_DIR ?? join(root, 'certs');
const { created } = await generateCerts({ dir: certsDir });
if (created.length) console.log(`[start] created certificates: ${created.join(', ')}`);

const AGENT_PORTS: Record<string, number> = {
  assistant: 9101,
  sentiment: 9102,
  orders: 9103,
  promotions: 9104,
  desk: 9105,
};
const agents = SERVICES.filter((s) => s !== 'orchestrator' && existsSync(join(root, 'agents', s, 'main.ts')));
const port = process.env.PORT ?? '8443';

const children: Array<{ name: string; child: ChildProcess }> = [];
function run(name: string, entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, CERTS_DIR: certsDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) console.log(`[start] ${name} exited (${signal ?? code}); the others keep running`);
  });
  children.push({ name, child });
}

for (const agent of agents) {
  const agentPort = String(AGENT_PORTS[agent] ?? 0);
  run(agent, join('agents', agent, 'main.ts'), {
    PORT: agentPort,
    PUBLIC_URL: `https://localhost:${agentPort}`,
  });
}
run('orchestrator', join('orchestrator', 'main.ts'), {
  PORT: port,
  AGENT_URLS: agents.map((a) => `https://localhost:${AGENT_PORTS[a]}`).join(','),
});
console.log('[start] starting… press Ctrl-C to stop everything');
void announceWhenReady();

/** Prints where to open the chat once the orchestrator answers its health check. */
async function announceWhenReady() {
  const dispatcher = new Agent({ connect: { ca: await readFile(join(certsDir, 'ca.pem'), 'utf8') } });
  for (let i = 0; i < 120 && !stopping; i++) {
    try {
      const response = await fetch(`https://localhost:${port}/healthz`, { dispatcher });
      const health = (await response.json()) as { agents: { state: string }[] };
      const up = health.agents.filter((a) => a.state === 'up').length;
      if (up === health.agents.length || i > 20) {
        console.log(
          `[start] Atende is ready (${up}/${health.agents.length} agents up): open https://localhost:${port}/`,
        );
        console.log(
          `[start] operators: https://localhost:${port}/operator (operator@atende.dev), admins: /dashboard (admin@atende.dev); demo password in the README`,
        );
        console.log(
          `[start] the browser warns about the development CA (${join(certsDir, 'ca.pem')}): accept or trust it`,
        );
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await dispatcher.close();
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('[start] stopping…');
  const exits = children.map(
    ({ child }) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  );
  await Promise.all(exits);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
