import type { Mesh } from './mesh.js';
import { residentMemoryMiB } from './processes.js';
import { runStep, type shopperTokens } from './shoppers.js';
import { slope } from './targets.js';

/** One minute of the soak. */
export interface SoakMinute {
  minute: number;
  messages: number;
  messagesPerSec: number;
  firstDeltaP95Ms: number;
  abandonedShoppers: number;
  shoppers: number;
  errors: number;
  /** Each process's resident memory (VmRSS, MiB) at the end of the minute. */
  rssMiB: Record<string, number>;
}

/** The soak's result: its minutes and each process's RSS slope (MiB/min) over the minutes after the second. */
export interface SoakResult {
  rate: number;
  minutes: SoakMinute[];
  slopeMiBPerMin: Record<string, number>;
  errors: number;
}

/**
 * Holds `rate` shoppers/s for `durationSec` as consecutive one-minute steps of the shopper simulation (each waits for
 * its last shoppers, so a step runs a few seconds past its minute), sampling every process's RSS after each.
 */
export async function runSoak(options: {
  mesh: Mesh;
  rate: number;
  durationSec: number;
  tokens: Awaited<ReturnType<typeof shopperTokens>>;
  log?: (line: string) => void;
}): Promise<SoakResult> {
  const { mesh, rate, tokens } = options;
  const processes = [mesh.orchestrator, ...mesh.agents];
  const minutes: SoakMinute[] = [];
  const total = Math.max(1, Math.round(options.durationSec / 60));
  for (let minute = 1; minute <= total; minute++) {
    const step = await runStep({ mesh, rate, durationSec: 60, tokens });
    const rssMiB = Object.fromEntries(processes.map((p) => [p.name, residentMemoryMiB(p.pid)]));
    minutes.push({
      minute,
      messages: step.messages,
      messagesPerSec: step.messagesPerSec,
      firstDeltaP95Ms: step.firstDeltaMs.p95,
      abandonedShoppers: step.abandonedShoppers,
      shoppers: step.shoppers,
      errors: step.errors,
      rssMiB,
    });
    options.log?.(
      `    minute ${minute}/${total}: ${step.messagesPerSec.toFixed(1)} msg/s, p95 ${step.firstDeltaMs.p95.toFixed(0)} ms, abandoned ${step.abandonedShoppers}/${step.shoppers}, errors ${step.errors}, orchestrator RSS ${rssMiB.orchestrator?.toFixed(0)} MiB`,
    );
  }
  // Start-up, JIT warm-up and caches filling make the first two minutes climb; the slope that matters comes after.
  const settled = minutes.filter((m) => m.minute > 2);
  const slopeMiBPerMin = Object.fromEntries(
    processes.map((p) => [
      p.name,
      slope(
        settled.map((m) => m.minute),
        settled.map((m) => m.rssMiB[p.name] ?? Number.NaN),
      ),
    ]),
  );
  return { rate, minutes, slopeMiBPerMin, errors: minutes.reduce((sum, m) => sum + m.errors, 0) };
}
