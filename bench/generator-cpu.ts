// `npx tsx bench/generator-cpu.ts [--rate=30] [--sec=10] [--rounds=2]` — the load generator's own CPU per chat
// message, the legacy client and the light one side by side at the same rate, alternating, against a stand-in for
// the orchestrator (bench/servers/chat-replay.ts, its own process) instead of the mesh: the same shoppers as
// `runStep` (arrivals, patience, follow-ups, closing), so only the client differs, and the figure does not move
// with the mesh's speed or with whatever else shares the machine's cores. `npm run bench -- --generator=both`
// compares them on the real mesh.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { generateCerts, loadTlsMaterial } from '../certs/certs.js';
import { createSigningKeys } from '../orchestrator/mesh/signing-keys.js';
import { publicFetch } from '../orchestrator/testing/harness.js';
import type { Mesh } from './mesh.js';
import { median, startProcess } from './processes.js';
import { type Generator, runStep, type StepResult, shopperTokens } from './shoppers.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, got ${raw}`);
  return value;
};
const rate = flag('rate', 30);
const seconds = flag('sec', 10);
const rounds = flag('rounds', 2);

// Time spent in garbage collection (main thread, as V8 reports it) while a step runs.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const work = await mkdtemp(join(tmpdir(), 'atende-generator-'));
const certsDir = join(work, 'certs');
await generateCerts({ dir: certsDir, services: ['orchestrator'] });
const replay = await startProcess({
  name: 'stand-in orchestrator',
  entry: join(import.meta.dirname, 'servers', 'chat-replay.ts'),
  env: { BENCH_CERTS_DIR: certsDir },
  ready: /ready \d+/,
});
const port = /ready (\d+)/.exec(replay.output())?.[1];
const web = publicFetch((await loadTlsMaterial(certsDir, 'orchestrator')).ca);
// What runStep reads of a mesh: the stand-in in the orchestrator's place, no agents.
const mesh: Mesh = {
  url: `https://localhost:${port}`,
  certsDir,
  keys: await createSigningKeys(),
  orchestrator: replay,
  agents: [],
  agentUrls: {} as Mesh['agentUrls'],
  web,
  stop: async () => {
    await replay.stop();
    await web.close();
  },
};

const rows: Array<{ generator: Generator; step: StepResult; gcMs: number }> = [];
try {
  const tokens = await shopperTokens(mesh);
  const clients: Generator[] = ['legacy', 'light'];
  for (const generator of clients) await runStep({ mesh, rate: 4, durationSec: 3, tokens, generator });
  for (let round = 0; round < rounds; round++) {
    for (const generator of round % 2 ? [...clients].reverse() : clients) {
      console.error(`${generator}: ${rate} shoppers/s for ${seconds} s (round ${round + 1}) …`);
      const gcBefore = gcMs;
      const step = await runStep({ mesh, rate, durationSec: seconds, tokens, generator });
      rows.push({ generator, step, gcMs: gcMs - gcBefore });
    }
  }
} finally {
  await mesh.stop();
  await rm(work, { recursive: true, force: true });
}

const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
console.log(
  `Load generator CPU per message (process.cpuUsage() of this process during a step ÷ messages), ${rate} shoppers/s for ${seconds} s, ${rounds} alternating rounds, against the stand-in orchestrator:`,
);
console.log();
console.log(
  '| client | messages | CPU ms/msg per round | median CPU ms/msg | GC ms/msg | TLS handshakes (resumed) | first delta p50 ms | errors |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const generator of ['legacy', 'light'] as const) {
  const mine = rows.filter((r) => r.generator === generator);
  const sum = (f: (r: (typeof mine)[number]) => number) => mine.reduce((a, r) => a + f(r), 0);
  const handshakes = mine.every((r) => r.step.generatorHandshakes)
    ? `${sum((r) => r.step.generatorHandshakes?.handshakes ?? 0)} (${sum((r) => r.step.generatorHandshakes?.resumed ?? 0)})`
    : 'not counted';
  console.log(
    `| ${generator} | ${sum((r) => r.step.messages)} | ${mine.map((r) => f2(r.step.generatorCpuMsPerMessage)).join(' / ')} | ${f2(median(mine.map((r) => r.step.generatorCpuMsPerMessage)))} | ${f2(sum((r) => r.gcMs) / sum((r) => r.step.messages))} | ${handshakes} | ${f2(median(mine.map((r) => r.step.firstDeltaMs.p50)))} | ${sum((r) => r.step.errors)} |`,
  );
}
process.exit(0);
