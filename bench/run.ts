// `npm run bench` — benchmarks of Atende, side by side in one run; see bench/README.md for what each figure means.
// Flags: --quick (shorter runs), --profile (also a --cpu-prof run of the mesh), --only=a,b,c,e (sections); the
// desk phase (e): --operators N, --operator-think-ms, --handoff-share, --patience-ms, --desk-rate, --desk-sec;
// --soak=SECONDS (hold the rated load of (c), or --soak-rate, that long); --json (progress on stderr, one JSON
// summary with the targets on stdout); --generator=light|legacy|both (the shoppers' client; both = each rate with
// each client, alternating, to compare the load generator's own CPU); --rates=2,8 (the steps of (c)).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCerts } from '../certs/certs.js';
import { createSigningKeys } from '../orchestrator/mesh/signing-keys.js';
import { createMetricsQueries } from '../orchestrator/metrics/summary.js';
import { createPgliteClient, createPostgresClient } from '../orchestrator/store/index.js';
import { benchAgentRuntime } from './agent-runtime.js';
import { runDeskPhase } from './desk.js';
import { startMesh } from './mesh.js';
import { peakMemoryMiB } from './processes.js';
import { summariseProfiles } from './profile.js';
import {
  benchOverhead,
  GENERATORS,
  type Generator,
  runStep,
  type StepResult,
  shopperTokens,
} from './shoppers.js';
import { runSoak, type SoakResult } from './soak.js';
import { benchStartup } from './startup.js';
import { evaluateTargets, type TargetInputs } from './targets.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const json = args.includes('--json');
// With --json, stdout carries the summary alone; everything a person reads goes to stderr.
const log = json ? console.error : console.log;
const only = new Set((args.find((a) => a.startsWith('--only='))?.slice(7) ?? 'a,b,c,e,s').split(','));
/** A numeric flag, as `--name=value` or `--name value`. */
function numberFlag(name: string, fallback: number): number {
  const at = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return fallback;
  const raw = args[at]?.includes('=') ? args[at]?.split('=')[1] : args[at + 1];
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number, got ${raw}`);
  return value;
}
const DESK = {
  operators: numberFlag('operators', 2),
  operatorThinkMs: numberFlag('operator-think-ms', 2000),
  handoffShare: numberFlag('handoff-share', 0.1),
  patienceMs: numberFlag('patience-ms', 30_000),
  rate: numberFlag('desk-rate', 5),
  durationSec: numberFlag('desk-sec', quick ? 8 : 20),
};
const SOAK_SEC = numberFlag('soak', 0);
const ratesFlag = args.find((a) => a.startsWith('--rates='))?.slice(8);
const RATES = ratesFlag
  ? ratesFlag.split(',').map((r) => {
      const rate = Number(r);
      if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rates needs positive numbers, got ${r}`);
      return rate;
    })
  : quick
    ? [2, 8]
    : [2, 5, 10, 20, 30, 45, 60, 75, 90];
const generatorFlag = args.find((a) => a.startsWith('--generator='))?.slice(12) ?? 'light';
if (generatorFlag !== 'both' && !GENERATORS.includes(generatorFlag as Generator)) {
  throw new Error(`--generator is light, legacy or both, got ${generatorFlag}`);
}
// The clients the steps of (c) use; the first one's steps decide the rated load and the targets.
const CLIENTS: Generator[] = generatorFlag === 'both' ? ['light', 'legacy'] : [generatorFlag as Generator];
const STEP_SEC = quick ? 6 : 10;
const P95_GOAL_MS = 500;
const ABANDON_GOAL = 0.02;

const lines: string[] = [];
const say = (line = '') => {
  log(line);
  lines.push(line);
};
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : `${(n * 100).toFixed(1)} %`);
function table(header: string[], rows: Array<Array<string | number>>) {
  say(`| ${header.join(' | ')} |`);
  say(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) say(`| ${row.join(' | ')} |`);
  say();
}

const started = Date.now();
const targets: TargetInputs = {};
let soak: SoakResult | undefined;
/** The steps of (c), with every client run. */
const steps: StepResult[] = [];
const work = await mkdtemp(join(tmpdir(), 'atende-bench-'));
const certsDir = join(work, 'certs');
await generateCerts({ dir: certsDir });
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  startedAt: new Date(started).toISOString(),
};
say(`# Atende benchmarks`);
say();
say(`${new Date(started).toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · Node ${process.version}`);
say();

if (only.has('a')) {
  log('(a) agent runtime: Hono runtime vs the SDK Express adapter …');
  const a = await benchAgentRuntime({
    certsDir,
    keys: await createSigningKeys(),
    connections: 16,
    durationSec: quick ? 2 : 4,
    rounds: quick ? 1 : 2,
    log: (line) => log(line),
  });
  results.agentRuntime = a;
  const streaming = a.rows.find((r) => r.method === 'SendStreamingMessage' && r.server === 'hono');
  targets.runtimeStreamingPerSec = streaming?.requestsPerSec;
  targets.runtimeStreamingCpuMs = streaming?.cpuMsPerRequest;
  say(`## (a) Agent runtime: the assistant's executor, Hono runtime vs SDK Express adapter`);
  say();
  say(
    `autocannon, ${a.connections} connections, ${a.durationSec} s × ${a.rounds} alternating rounds (median), mTLS and service-token verification on both; CPU = server process user+sys per request.`,
  );
  say();
  table(
    ['method', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'errors', 'peak MiB'],
    a.rows.map((r) => [
      r.method,
      r.server === 'hono'
        ? 'Atende Hono runtime + BoundedTaskStore'
        : 'SDK Express adapter + InMemoryTaskStore',
      f0(r.requestsPerSec),
      f1(r.p50Ms),
      f1(r.p99Ms),
      f2(r.cpuMsPerRequest),
      r.errors,
      f1(r.peakMiB),
    ]),
  );
  table(
    ['method', 'throughput Hono / Express', 'CPU per request Express / Hono'],
    a.ratios.map((r) => [r.method, `${f2(r.throughput)}×`, `${f2(r.cpu)}×`]),
  );
}

if (only.has('b') || only.has('c') || only.has('e')) {
  // The simulation's chat log is kept (git-ignored) so the dashboard can show it afterwards.
  const dataDir = join(import.meta.dirname, 'results', 'data');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  log('starting the mesh …');
  // BENCH_ORCHESTRATOR_ENV (JSON) adds environment for the orchestrator only, e.g. a DATABASE_URL or NODE_OPTIONS for
  // heap snapshots (see docs/notes/memory.md).
  const orchestratorEnv = JSON.parse(process.env.BENCH_ORCHESTRATOR_ENV ?? '{}') as Record<string, string>;
  /** The database the orchestrator wrote its chat log to, for the dashboard's queries after the run. */
  const openChatLog = () =>
    orchestratorEnv.DATABASE_URL
      ? createPostgresClient({
          connectionString: orchestratorEnv.DATABASE_URL,
          schema: orchestratorEnv.DATABASE_SCHEMA,
          maxConnections: 1,
        })
      : createPgliteClient({ dataDir: join(dataDir, 'pglite') });
  const mesh = await startMesh({
    certsDir,
    dataDir,
    deskDataDir: join(work, 'desk-data'),
    env: orchestratorEnv,
  });
  let desk: Awaited<ReturnType<typeof runDeskPhase>> | undefined;
  let peaks: Record<string, number> = {};
  try {
    if (only.has('b')) {
      log('(b) orchestrator overhead …');
      const b = await benchOverhead({ mesh, certsDir, samples: quick ? 30 : 100 });
      results.overhead = b;
      targets.overheadP99Ms = b.orchestrator.firstDelta.p99 - b.direct.firstDelta.p99;
      say(`## (b) Orchestrator overhead: a chat message vs a direct A2A call to the assistant`);
      say();
      say(
        `${b.samples} sequential messages each, alternating; the orchestrator path adds the shopper's access token, the chat log writes, sentiment in parallel (its tone waits up to 150 ms) and the SSE merge.`,
      );
      say();
      table(
        ['path', 'first delta p50 ms', 'first delta p99 ms', 'full reply p50 ms', 'full reply p99 ms'],
        [
          [
            'POST /api/chat/messages (orchestrator)',
            f1(b.orchestrator.firstDelta.p50),
            f1(b.orchestrator.firstDelta.p99),
            f1(b.orchestrator.full.p50),
            f1(b.orchestrator.full.p99),
          ],
          [
            'SendStreamingMessage to the assistant (direct)',
            f1(b.direct.firstDelta.p50),
            f1(b.direct.firstDelta.p99),
            f1(b.direct.full.p50),
            f1(b.direct.full.p99),
          ],
          [
            'overhead (difference of p50 / p99)',
            f1(b.orchestrator.firstDelta.p50 - b.direct.firstDelta.p50),
            f1(b.orchestrator.firstDelta.p99 - b.direct.firstDelta.p99),
            f1(b.orchestrator.full.p50 - b.direct.full.p50),
            f1(b.orchestrator.full.p99 - b.direct.full.p99),
          ],
        ],
      );
    }
    if (only.has('c')) {
      const tokens = await shopperTokens(mesh);
      log('(c) warm-up …');
      for (const generator of CLIENTS) await runStep({ mesh, rate: 4, durationSec: 3, tokens, generator });
      let saturated = false;
      for (const [i, rate] of RATES.entries()) {
        // With both clients, which goes first alternates from one rate to the next.
        const order = i % 2 ? [...CLIENTS].reverse() : CLIENTS;
        for (const generator of order) {
          log(`(c) shoppers: ${rate}/s for ${STEP_SEC} s (${generator} generator) …`);
          const step = await runStep({ mesh, rate, durationSec: STEP_SEC, tokens, generator });
          steps.push(step);
          log(
            `    ${f1(step.messagesPerSec)} msg/s, first delta p95 ${f0(step.firstDeltaMs.p95)} ms, abandoned ${step.abandonedShoppers}/${step.shoppers}, errors ${step.errors}, generator ${f2(step.generatorCpuMsPerMessage)} ms CPU/msg`,
          );
          // Far past saturation there is nothing more to learn, and the queue would only slow the run down.
          if (step.firstDeltaMs.p95 > 4 * P95_GOAL_MS || step.abandonedShoppers / step.shoppers > 0.2) {
            saturated = true;
          }
        }
        if (saturated) break;
      }
    }
    if (SOAK_SEC > 0) {
      // The rated load of this run's steps, unless one is given; the steps' own first-delta p95 decides here
      // (the dashboard's query runs after the mesh stops).
      const passed = steps.filter(
        (s) =>
          s.generator === CLIENTS[0] &&
          s.firstDeltaMs.p95 < P95_GOAL_MS &&
          s.abandonedShoppers / s.shoppers < ABANDON_GOAL,
      );
      const rate = numberFlag('soak-rate', passed.at(-1)?.rate ?? 30);
      log(`soak: ${rate} shoppers/s for ${SOAK_SEC} s …`);
      soak = await runSoak({ mesh, rate, durationSec: SOAK_SEC, tokens: await shopperTokens(mesh), log });
    }
    if (only.has('e')) {
      // After the steps, so their figures are those of the bots alone (no operator is online during them).
      log(
        `(e) human desk: ${DESK.operators} operators (think ${DESK.operatorThinkMs} ms), ${DESK.rate} shoppers/s for ${DESK.durationSec} s, ${pct(DESK.handoffShare)} ask for a person …`,
      );
      desk = await runDeskPhase({ mesh, ...DESK });
      log(
        `    ${desk.handoffs} handoffs: ${desk.answered} answered, ${desk.abandoned} abandoned, time to a human p95 ${f0(desk.timeToHumanMs.p95)} ms, errors ${desk.errors}`,
      );
    }
  } finally {
    peaks = Object.fromEntries(
      [mesh.orchestrator, ...mesh.agents].map((p) => [p.name, peakMemoryMiB(p.pid)]),
    );
    targets.stackPeakMiB = { ...peaks };
    peaks['load generator (bench)'] = peakMemoryMiB('self');
    await mesh.stop();
  }
  if (soak) {
    results.soak = soak;
    const names = Object.keys(soak.slopeMiBPerMin);
    say(`## Soak: ${soak.rate} shoppers/s for ${soak.minutes.length} min`);
    say();
    table(
      ['minute', 'msg/s', 'first delta p95 ms', 'abandoned', 'errors', ...names.map((n) => `${n} RSS MiB`)],
      soak.minutes.map((m) => [
        m.minute,
        f1(m.messagesPerSec),
        f0(m.firstDeltaP95Ms),
        `${m.abandonedShoppers}/${m.shoppers}`,
        m.errors,
        ...names.map((n) => f1(m.rssMiB[n] ?? Number.NaN)),
      ]),
    );
    say(
      `RSS slope after minute 2 (MiB/min, least squares): ${names.map((n) => `${n} ${f2(soak?.slopeMiBPerMin[n] ?? Number.NaN)}`).join(' · ')}`,
    );
    say();
    const [worstProcess, worst] = Object.entries(soak.slopeMiBPerMin).sort((a, b) => b[1] - a[1])[0] ?? [
      '–',
      Number.NaN,
    ];
    targets.soak = { maxSlopeMiBPerMin: worst, process: worstProcess, errors: soak.errors };
  }

  if (steps.length) {
    // Abandonment and first-response time as the dashboard computes them: the summary query on the
    // orchestrator's own chat log (its PGlite, opened once the orchestrator has stopped, or its PostgreSQL).
    const sql = await openChatLog();
    const queries = createMetricsQueries({ sql });
    const rows = [];
    for (const step of steps) {
      const summary = await queries.summary({ from: new Date(step.startedAt), to: new Date(step.endedAt) });
      rows.push({ step, summary });
    }
    await sql.close();
    // With both clients, the first one's steps decide (the other's are there for its CPU figures).
    const passing = rows.filter(
      (r) =>
        r.step.generator === CLIENTS[0] &&
        (r.summary.messages.firstResponseMs.p95 ?? Number.POSITIVE_INFINITY) < P95_GOAL_MS &&
        r.step.firstDeltaMs.p95 < P95_GOAL_MS &&
        (r.summary.conversations.abandonmentRate ?? 0) < ABANDON_GOAL,
    );
    const rated = passing.at(-1);
    results.shoppers = rows.map((r) => ({ ...r.step, dashboard: r.summary }));
    results.peakMemoryMiB = peaks;
    results.rated = rated ? { rate: rated.step.rate, messagesPerSec: rated.step.messagesPerSec } : null;
    targets.ratedMessagesPerSec = rated?.step.messagesPerSec ?? null;
    targets.orchestratorCpuMsPerMessage = rated?.step.cpuMsPerMessage.orchestrator;
    targets.generatorCpuMsPerMessage = rated?.step.generatorCpuMsPerMessage;
    targets.generator = CLIENTS[0];

    say(`## (c) Shopper simulation, step load`);
    say();
    say(
      `Poisson arrivals of shoppers (70 % guests, 20 % customers, 10 % premium) for ${STEP_SEC} s per step; patience log-normal (median 4 s, 1–20 s): no answer text in time → the shopper aborts and closes the chat; otherwise reads and asks a follow-up with p = 0.3 (≤ 3 messages), then closes. Questions from bench/questions.ts (${'49'} written for the bench, not from faq.json). "dashboard" columns are the summary query over the orchestrator's chat log (message-level first response; abandonment of conversations).`,
    );
    say();
    const both = CLIENTS.length > 1;
    table(
      [
        'shoppers/s',
        ...(both ? ['generator'] : []),
        'msg/s',
        'peak shoppers',
        'first delta p50 / p95 / p99 ms (client)',
        'dashboard first response p50 / p95 / p99 ms',
        'dashboard abandonment',
        'full reply p95 ms',
        'errors',
        'generator CPU ms/msg',
      ],
      rows.map(({ step, summary }) => [
        step.rate,
        ...(both ? [step.generator] : []),
        f1(step.messagesPerSec),
        step.peakConcurrentShoppers,
        `${f0(step.firstDeltaMs.p50)} / ${f0(step.firstDeltaMs.p95)} / ${f0(step.firstDeltaMs.p99)}`,
        `${f0(summary.messages.firstResponseMs.p50 ?? Number.NaN)} / ${f0(summary.messages.firstResponseMs.p95 ?? Number.NaN)} / ${f0(summary.messages.firstResponseMs.p99 ?? Number.NaN)}`,
        `${pct(summary.conversations.abandonmentRate)} (${summary.conversations.abandoned}/${summary.conversations.ended})`,
        f0(step.fullReplyMs.p95),
        step.errors ? `${step.errors} ${JSON.stringify(step.errorKinds)}` : 0,
        f2(step.generatorCpuMsPerMessage),
      ]),
    );
    say(
      `_generator CPU ms/msg_: the bench process's own CPU (\`process.cpuUsage()\`, user+sys) during the step ÷ messages sent — the share of the two cores the simulated shoppers take from the mesh (${CLIENTS.join(' and ')} client${both ? 's' : ''}; see bench/README.md).`,
    );
    say();
    say(
      rated
        ? `**Rated load: ${rated === rows.at(-1) ? 'at least ' : ''}${rated.step.rate} shoppers/s ≈ ${f1(rated.step.messagesPerSec)} chat messages/s** — the highest step with first-delta p95 < ${P95_GOAL_MS} ms (client and dashboard) and dashboard abandonment < ${ABANDON_GOAL * 100} %.`
        : `**No step met the goals** (first-delta p95 < ${P95_GOAL_MS} ms and abandonment < ${ABANDON_GOAL * 100} %).`,
    );
    say();
    say(`## (d) CPU per chat message, by process (ms of user+sys CPU per message sent)`);
    say();
    const names = Object.keys(steps[0]?.cpuMsPerMessage ?? {});
    table(
      ['shoppers/s', ...(both ? ['generator'] : []), ...names, 'mesh total', 'load generator'],
      steps.map((s) => {
        const mesh = names.reduce((sum, n) => sum + (s.cpuMsPerMessage[n] ?? 0), 0);
        return [
          s.rate,
          ...(both ? [s.generator] : []),
          ...names.map((n) => f2(s.cpuMsPerMessage[n] ?? Number.NaN)),
          f2(mesh),
          f2(s.generatorCpuMsPerMessage),
        ];
      }),
    );
    say(
      `Peak memory (VmHWM, MiB): ${Object.entries(peaks)
        .map(([k, v]) => `${k} ${f1(v)}`)
        .join(' · ')}`,
    );
    say();
  }

  if (desk) {
    // The desk's figures as the dashboard computes them, over the phase, from the orchestrator's chat log.
    const sql = await openChatLog();
    const dashboard = await createMetricsQueries({ sql }).desk({
      from: new Date(desk.startedAt),
      to: new Date(desk.endedAt),
    });
    await sql.close();
    results.desk = { ...desk, dashboard };
    const d = desk;
    say(`## (e) Human desk: simulated operators`);
    say();
    say(
      `${d.operators} simulated operators (the demo operator and admin accounts, reused beyond two) poll the waiting list every 250 ms, claim the oldest conversation, think ${d.operatorThinkMs} ms, answer and resolve it, one at a time. Shoppers arrive for ${d.durationSec} s at ${d.rate}/s (Poisson); ${pct(d.handoffShare)} of them ask for a person ("quero falar com um atendente") and wait up to ${f0(d.patienceMs / 1000)} s for an operator's message, else close the chat; the rest ask the bots. Client times are from the shopper's request; "dashboard" columns are the desk figures of the summary query over the phase.`,
    );
    say();
    table(
      [
        'handoffs',
        'answered',
        'time to a human p50 / p95 / max ms (client)',
        'time to assignment p50 / p95 ms (client)',
        'abandoned (client)',
        'dashboard queue wait p50 / p95 ms',
        'dashboard human first response p50 / p95 ms',
        'dashboard abandonment while waiting',
        'refused',
        'errors',
      ],
      [
        [
          d.handoffs,
          d.answered,
          `${f0(d.timeToHumanMs.p50)} / ${f0(d.timeToHumanMs.p95)} / ${f0(d.timeToHumanMs.max)}`,
          `${f0(d.timeToAssignmentMs.p50)} / ${f0(d.timeToAssignmentMs.p95)}`,
          `${pct(d.answered + d.abandoned ? d.abandoned / (d.answered + d.abandoned) : null)} (${d.abandoned}/${d.answered + d.abandoned})`,
          `${f0(dashboard.queueWaitMs.p50 ?? Number.NaN)} / ${f0(dashboard.queueWaitMs.p95 ?? Number.NaN)}`,
          `${f0(dashboard.humanFirstResponseMs.p50 ?? Number.NaN)} / ${f0(dashboard.humanFirstResponseMs.p95 ?? Number.NaN)}`,
          `${pct(dashboard.abandonedWaiting.rate)} (${dashboard.abandonedWaiting.count}/${dashboard.abandonedWaiting.of})`,
          d.refused,
          d.errors ? `${d.errors} ${JSON.stringify(d.errorKinds)}` : 0,
        ],
      ],
    );
    say(
      `Operators: ${d.claims} claims, ${d.lostClaims} lost to another operator, ${d.repliesRefused} replies refused (shopper gone). The other ${d.bots.shoppers} shoppers of the phase: ${f1(d.bots.messagesPerSec)} msg/s, first delta p95 ${f0(d.bots.firstDeltaMs.p95)} ms, abandoned ${d.bots.abandonedShoppers}, errors ${d.bots.errors}.`,
    );
    say();
  }
}

if (only.has('w')) {
  // PGlite on the request thread against PGlite on a worker thread: the same step on a fresh mesh each, alternating.
  const rate = numberFlag('worker-rate', quick ? 10 : 30);
  const seconds = quick ? 6 : 10;
  const rows: Array<{ mode: string; step: StepResult; peakMiB: number }> = [];
  for (const round of quick ? [0] : [0, 1]) {
    for (const mode of round % 2 ? ['on', 'off'] : ['off', 'on']) {
      log(`(w) PGLITE_WORKER=${mode}: ${rate} shoppers/s for ${seconds} s …`);
      const dataDir = join(work, `worker-${mode}-${round}`);
      const mesh = await startMesh({
        certsDir,
        dataDir,
        deskDataDir: join(work, `worker-desk-${mode}-${round}`),
        env: { PGLITE_WORKER: mode },
      });
      try {
        await runStep({ mesh, rate: 4, durationSec: 3 });
        const step = await runStep({ mesh, rate, durationSec: seconds });
        rows.push({ mode, step, peakMiB: peakMemoryMiB(mesh.orchestrator.pid) });
      } finally {
        await mesh.stop();
      }
    }
  }
  results.pgliteWorker = rows;
  say(
    `## (w) PGlite on the request thread vs on a worker thread (${rate} shoppers/s, ${seconds} s, fresh mesh each)`,
  );
  say();
  table(
    [
      'PGLITE_WORKER',
      'msg/s',
      'first delta p50 / p95 ms',
      'orchestrator CPU ms/msg',
      'orchestrator peak MiB',
      'errors',
    ],
    rows.map((r) => [
      r.mode,
      f1(r.step.messagesPerSec),
      `${f0(r.step.firstDeltaMs.p50)} / ${f0(r.step.firstDeltaMs.p95)}`,
      f2(r.step.cpuMsPerMessage.orchestrator ?? Number.NaN),
      f1(r.peakMiB),
      r.step.errors,
    ]),
  );
}

if (only.has('s')) {
  log('(s) start-up: npm start from dist/ and from source (tsx) …');
  const rows = await benchStartup({
    certsDir,
    dataDir: join(work, 'startup-data'),
    rounds: quick ? 1 : 3,
    log,
  });
  results.startup = rows;
  const dist = rows.find((r) => r.from === 'dist');
  if (dist) targets.readyMs = dist.medianReadyMs;
  say(`## (s) Start-up: \`npm start\` to its ready block, database and certificates already there`);
  say();
  const names = Object.keys(dist?.rssMiB ?? {});
  table(
    [
      'processes run from',
      'ready ms (median)',
      'rounds',
      'first answer ms (median)',
      ...names.map((n) => `${n} RSS MiB`),
      'total RSS MiB',
    ],
    rows.map((r) => [
      r.from === 'dist' ? 'dist/ (node, compiled)' : 'source (tsx)',
      f0(r.medianReadyMs),
      r.readyMs.map((ms) => f0(ms)).join(' / '),
      f0(r.medianFirstAnswerMs),
      ...names.map((n) => f1(r.rssMiB[n] ?? Number.NaN)),
      f1(r.totalRssMiB),
    ]),
  );
}

if (profile) {
  log('profile: the mesh under --cpu-prof at a moderate load …');
  const dataDir = join(work, 'profile-data');
  const profileDir = join(work, 'profiles');
  await mkdir(dataDir, { recursive: true });
  const mesh = await startMesh({
    certsDir,
    dataDir,
    deskDataDir: join(work, 'profile-desk-data'),
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  const pids = new Map([mesh.orchestrator, ...mesh.agents].map((p) => [String(p.pid), p.name]));
  let step: StepResult;
  try {
    // A busy, longer step, so each process's start-up (module loading, JIT) weighs little per message.
    step = await runStep({ mesh, rate: quick ? 5 : 30, durationSec: quick ? 6 : 20 });
  } finally {
    await mesh.stop();
  }
  const profiles = await summariseProfiles(profileDir);
  const outDir = join(import.meta.dirname, 'results', 'profiles');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  say(
    `## Profile: where each message's CPU goes (--cpu-prof, ${step.messages} messages at ${step.rate} shoppers/s)`,
  );
  say();
  for (const p of profiles) {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the process's own; others are tsx's loader.
    const [, pid, thread] = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(p.file) ?? [];
    const name = `${pids.get(pid ?? '') ?? p.file}${thread && thread !== '0' ? ' (loader thread)' : ''}`;
    say(`### ${name}: ${f2(p.totalMs / step.messages)} ms CPU per message (profiled)`);
    say();
    table(
      ['area', 'ms/message', 'share'],
      p.areas.slice(0, 10).map((a) => [a.area, f2(a.ms / step.messages), pct(a.share)]),
    );
    table(
      ['top self-time function', 'area', 'ms'],
      p.top.slice(0, 8).map((t) => [`\`${t.fn}\``, t.area, f0(t.ms)]),
    );
  }
  results.profile = profiles;
}

if (only.has('c')) {
  say(
    "The simulation's chat log stays in `bench/results/data`: `DATA_DIR=bench/results/data npm start`, sign in as `admin@atende.dev` and open `/dashboard` to see these runs there.",
  );
  say();
}
const evaluated = evaluateTargets(targets);
results.targets = evaluated;
say(`## Targets, from this run`);
say();
table(
  ['target', 'measured', 'goal', 'met', 'from'],
  evaluated.map((t) => [
    t.name,
    t.value === null ? '–' : f2(t.value),
    t.goal,
    t.information ? 'information' : t.met === null ? 'not measured' : t.met ? 'yes' : '**no**',
    t.detail,
  ]),
);
say(`Total run time: ${f0((Date.now() - started) / 1000)} s.`);
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'latest.md'), `${lines.join('\n')}\n`);
await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await rm(work, { recursive: true, force: true });
log(`written to ${join(dir, 'latest.md')} and latest.json`);
if (json) {
  const rated = results.rated as { rate: number; messagesPerSec: number } | null | undefined;
  console.log(
    JSON.stringify({
      startedAt: results.startedAt,
      machine: results.machine,
      rated: rated ?? null,
      peakMemoryMiB: results.peakMemoryMiB ?? null,
      targets: evaluated,
      generator: {
        client: CLIENTS[0],
        cpuMsPerMessage: targets.generatorCpuMsPerMessage ?? null,
        steps: steps.map((s) => ({
          rate: s.rate,
          generator: s.generator,
          cpuMsPerMessage: s.generatorCpuMsPerMessage,
          ...(s.generatorHandshakes ?? {}),
        })),
      },
      soak: soak ? { rate: soak.rate, slopeMiBPerMin: soak.slopeMiBPerMin, errors: soak.errors } : null,
    }),
  );
}
process.exit(0);
