// The performance targets of the project as ratios measured in one run, so that they travel between machines that
// differ by 2× in speed: a throughput against the agent runtime's own rate on the same run, a CPU cost against one
// agent task's cost on the same run.

/**
 * One target: the measured value, the goal, and whether it holds (`null` when the run did not measure it). A row
 * marked `information` is a figure shown beside the targets to read them by, with no goal: its `met` is always null.
 */
export interface Target {
  name: string;
  value: number | null;
  goal: string;
  met: boolean | null;
  detail: string;
  information?: true;
}

/** What the run measured that the targets read; every field is optional since `--only` may skip sections. */
export interface TargetInputs {
  /** Section (a): Atende runtime's SendStreamingMessage rate (req/s) and its CPU per request (ms). */
  runtimeStreamingPerSec?: number;
  runtimeStreamingCpuMs?: number;
  /** Section (c): the rated load in chat messages/s and the orchestrator's CPU per message at that step (ms). */
  ratedMessagesPerSec?: number | null;
  orchestratorCpuMsPerMessage?: number;
  /** Section (b): first-delta p99 through the orchestrator minus that of the direct call (ms). */
  overheadP99Ms?: number;
  /** Peak RSS (VmHWM, MiB) of each process of the stack, the load generator left out. */
  stackPeakMiB?: Record<string, number>;
  /** The soak: the steepest RSS slope of any process after the first two minutes (MiB/min) and its errors. */
  soak?: { maxSlopeMiBPerMin: number; process: string; errors: number };
  /** Start-up: ms from `npm start` (compiled, database and certificates there) to its ready block. */
  readyMs?: number;
  /** Section (c), information: the load generator's own CPU per message at the rated step (ms), and its client. */
  generatorCpuMsPerMessage?: number;
  generator?: string;
}

const ratio = (a: number | undefined | null, b: number | undefined) =>
  a === undefined || a === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? null
    : a / b;

/** The targets, evaluated on one run's figures. */
export function evaluateTargets(m: TargetInputs): Target[] {
  const throughput = ratio(m.ratedMessagesPerSec, m.runtimeStreamingPerSec);
  const cpu = ratio(m.orchestratorCpuMsPerMessage, m.runtimeStreamingCpuMs);
  const stack = m.stackPeakMiB ? Object.values(m.stackPeakMiB).reduce((a, b) => a + b, 0) : null;
  return [
    {
      name: 'rated load ÷ runtime SendStreamingMessage rate',
      value: throughput,
      goal: '≥ 0.5',
      met: throughput === null ? null : throughput >= 0.5,
      detail: `${m.ratedMessagesPerSec?.toFixed(1) ?? '–'} msg/s ÷ ${m.runtimeStreamingPerSec?.toFixed(0) ?? '–'} req/s`,
    },
    {
      name: 'orchestrator CPU per message ÷ assistant CPU per task',
      value: cpu,
      goal: '≤ 1.5',
      met: cpu === null ? null : cpu <= 1.5,
      detail: `${m.orchestratorCpuMsPerMessage?.toFixed(2) ?? '–'} ms ÷ ${m.runtimeStreamingCpuMs?.toFixed(2) ?? '–'} ms (section a)`,
    },
    {
      name: 'orchestrator overhead, first delta p99 over the direct call',
      value: m.overheadP99Ms ?? null,
      goal: '≤ 5 ms',
      met: m.overheadP99Ms === undefined ? null : m.overheadP99Ms <= 5,
      detail: 'section (b)',
    },
    {
      name: 'whole stack peak RSS (MiB)',
      value: stack,
      goal: '< 1024',
      met: stack === null ? null : stack < 1024,
      detail: m.stackPeakMiB
        ? Object.entries(m.stackPeakMiB)
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(' + ')
        : '–',
    },
    {
      name: 'soak: steepest RSS slope after minute 2 (MiB/min), no error',
      value: m.soak?.maxSlopeMiBPerMin ?? null,
      goal: '< 1, 0 errors',
      met: m.soak ? m.soak.maxSlopeMiBPerMin < 1 && m.soak.errors === 0 : null,
      detail: m.soak ? `${m.soak.process}; ${m.soak.errors} errors` : 'run with --soak=600',
    },
    {
      name: 'start-up to ready (ms)',
      value: m.readyMs ?? null,
      goal: '< 5000',
      met: m.readyMs === undefined ? null : m.readyMs < 5000,
      detail: 'section (s): npm start from dist/, median',
    },
    {
      // Not a target: what the simulated shoppers took of the same cores, to judge how much the other figures
      // were held down by the bench itself.
      name: 'load generator CPU per message at the rated step (ms)',
      value: m.generatorCpuMsPerMessage ?? null,
      goal: '–',
      met: null,
      detail:
        m.generatorCpuMsPerMessage === undefined
          ? 'section (c)'
          : `section (c), the bench process's process.cpuUsage() ÷ messages, ${m.generator ?? 'light'} client`,
      information: true,
    },
  ];
}

/** Least-squares slope of `ys` against `xs` (units of y per unit of x); NaN with fewer than two points. */
export function slope(xs: number[], ys: number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
