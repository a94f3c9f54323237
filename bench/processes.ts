import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process the benchmark started, with what it printed. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node --import tsx entry …args` (or plain `node entry` for a built `.js`) and resolves once `ready` (a pattern
 * on its output, or a probe) holds.
 */
export async function startProcess(options: {
  name: string;
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  nodeArgs?: string[];
  ready: RegExp | (() => Promise<boolean>);
  timeoutMs?: number;
}): Promise<BenchProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      options.entry,
      ...(options.args ?? []),
    ],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exit = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    }),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  for (;;) {
    if (dead) throw new Error(`${options.name} exited (${exit}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} was not ready in time:\n${output}`);
    }
    const ready =
      options.ready instanceof RegExp ? options.ready.test(output) : await options.ready().catch(() => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: options.name,
    child,
    pid: child.pid as number,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system, ms) a process has used so far; `self` reads this process. */
export function cpuMs(pid: number | 'self'): number {
  if (pid === 'self') {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** `pid` and every process below it (a cluster's primary and its workers), from the parent pids in /proc. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i] as number) ?? []));
  return tree;
}

/** CPU time (ms) used so far by `pid` and the processes below it that are still running. */
export const treeCpuMs = (pid: number) => processTree(pid).reduce((sum, p) => sum + (cpuMs(p) || 0), 0);

/** Peak resident memory (VmHWM) of a process in MiB. */
export function peakMemoryMiB(pid: number | 'self'): number {
  try {
    const status = readFileSync(`/proc/${pid === 'self' ? 'self' : pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return Number.NaN;
  }
}

/** Current resident memory (VmRSS) of a process in MiB. */
export function residentMemoryMiB(pid: number | 'self'): number {
  try {
    const status = readFileSync(`/proc/${pid === 'self' ? 'self' : pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return Number.NaN;
  }
}

/** The value at quantile `q` (0–1) of `values`, by linear interpolation (like SQL percentile_cont). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (pos - lower);
}

/** The median of `values`. */
export const median = (values: number[]) => quantile(values, 0.5);
