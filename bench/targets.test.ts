import { describe, expect, it } from 'vitest';
import { evaluateTargets, slope } from './targets.js';

describe('bench targets', () => {
  it('judges each target from the figures of one run', () => {
    const targets = evaluateTargets({
      runtimeStreamingPerSec: 400,
      runtimeStreamingCpuMs: 4,
      ratedMessagesPerSec: 65,
      orchestratorCpuMsPerMessage: 10,
      overheadP99Ms: 17,
      stackPeakMiB: { orchestrator: 900, assistant: 200 },
      soak: { maxSlopeMiBPerMin: 0.4, process: 'orchestrator', errors: 0 },
      readyMs: 4200,
    });
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['rated load ÷ runtime SendStreamingMessage rate']).toMatchObject({
      value: 65 / 400,
      met: false,
    });
    expect(byName['orchestrator CPU per message ÷ assistant CPU per task']).toMatchObject({
      value: 2.5,
      met: false,
    });
    expect(byName['orchestrator overhead, first delta p99 over the direct call']?.met).toBe(false);
    expect(byName['whole stack peak RSS (MiB)']).toMatchObject({ value: 1100, met: false });
    expect(byName['soak: steepest RSS slope after minute 2 (MiB/min), no error']?.met).toBe(true);
    expect(byName['start-up to ready (ms)']?.met).toBe(true);
  });

  it('says "not measured" rather than guessing when a section was skipped', () => {
    const targets = evaluateTargets({ ratedMessagesPerSec: 65 });
    expect(targets.every((t) => t.met === null)).toBe(true);
  });

  it("shows the load generator's CPU as information beside the targets, never as a target", () => {
    const rows = evaluateTargets({ generatorCpuMsPerMessage: 0.8, generator: 'light' });
    const info = rows.find((t) => t.information);
    expect(info).toMatchObject({ value: 0.8, met: null, goal: '–' });
    expect(info?.detail).toContain('light client');
    expect(rows.filter((t) => !t.information).every((t) => t.met === null)).toBe(true);
    expect(evaluateTargets({}).find((t) => t.information)?.value).toBeNull();
  });

  it('a soak with an error fails even when memory is flat', () => {
    const [soak] = evaluateTargets({
      soak: { maxSlopeMiBPerMin: 0, process: 'assistant', errors: 1 },
    }).filter((t) => t.name.startsWith('soak'));
    expect(soak?.met).toBe(false);
  });

  it('slope is the least-squares MiB per minute', () => {
    expect(slope([3, 4, 5, 6], [100, 102, 104, 106])).toBeCloseTo(2);
    expect(slope([3, 4, 5], [100, 99, 101])).toBeCloseTo(0.5);
    expect(slope([3], [100])).toBeNaN();
  });
});
